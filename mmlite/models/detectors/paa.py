"""``PAA``: a single-stage detector with a ``PAAHead``."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class PAA(SingleStageDetector):
    """PAA: probabilistic anchor assignment with IoU prediction (Kim and Lee, 2020)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
