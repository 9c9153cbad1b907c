"""``CascadeRCNN``: a two-stage detector whose RoI head is a ``CascadeRoIHead``."""
from __future__ import annotations

from ..builder import DETECTORS
from .two_stage import TwoStageDetector


@DETECTORS.register_module()
class CascadeRCNN(TwoStageDetector):
    """Cascade R-CNN (Cai & Vasconcelos, 2018); with a ``mask_head`` in the RoI head, Cascade Mask R-CNN."""

    def __init__(self, backbone, neck=None, rpn_head=None, roi_head=None, train_cfg=None, test_cfg=None,
                 pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)

    def show_result(self, data, result, **kwargs):
        """Draw the results; also takes mmdet 2.x's older ``{'ensemble': ...}`` multi-stage result dicts."""
        if self.with_mask:
            bbox_result, segm_result = result
            if isinstance(bbox_result, dict):
                result = (bbox_result['ensemble'], segm_result['ensemble'])
        elif isinstance(result, dict):
            result = result['ensemble']
        return super().show_result(data, result, **kwargs)


@DETECTORS.register_module()
class SCNet(CascadeRCNN):
    """SCNet (Vu et al., 2021): Cascade R-CNN with ``SCNetRoIHead``'s semantic, global-context and
    feature-relay branches feeding one mask head."""

    @property
    def with_semantic(self) -> bool:
        return self.roi_head.with_semantic
