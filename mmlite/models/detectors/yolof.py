"""``YOLOF``: a single-stage detector on one feature level (``DilatedEncoder`` + ``YOLOFHead``)."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class YOLOF(SingleStageDetector):
    """You Only Look One-level Feature (Chen et al., 2021)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
