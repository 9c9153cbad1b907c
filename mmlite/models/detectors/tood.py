"""``TOOD``: a single-stage detector with a ``TOODHead`` that changes its targets after a few epochs."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class TOOD(SingleStageDetector):
    """TOOD (Feng et al., 2021); train it with ``custom_hooks=[dict(type='SetEpochInfoHook')]``."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)

    def set_epoch(self, epoch: int) -> None:
        """Tell the head which (0-based) epoch runs (it switches assigner and loss after ``initial_epoch``)."""
        self.bbox_head.epoch = epoch
