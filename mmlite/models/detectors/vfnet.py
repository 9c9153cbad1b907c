"""``VFNet``: a single-stage detector with a ``VFNetHead``."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class VFNet(SingleStageDetector):
    """VarifocalNet (Zhang et al., 2021): an IoU-aware dense detector."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
