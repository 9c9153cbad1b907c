"""``FasterRCNN``, ``MaskRCNN``, ``MaskScoringRCNN`` and ``RetinaNet``: detectors with mmdet's signatures."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector
from .two_stage import TwoStageDetector


@DETECTORS.register_module()
class FasterRCNN(TwoStageDetector):
    """Faster R-CNN (Ren et al., 2015)."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class MaskRCNN(TwoStageDetector):
    """Mask R-CNN (He et al., 2017)."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)


@DETECTORS.register_module()
class RetinaNet(SingleStageDetector):
    """RetinaNet (Lin et al., 2017)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)


@DETECTORS.register_module()
class MaskScoringRCNN(TwoStageDetector):
    """Mask Scoring R-CNN (Huang et al., 2019): Mask R-CNN whose masks are scored by a ``MaskIoUHead``."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)
