"""``DoubleHeadRoIHead``: Double-Head R-CNN's second stage (classification and regression RoIs differ)."""
from __future__ import annotations

from ..builder import HEADS
from .standard_roi_head import StandardRoIHead


@HEADS.register_module()
class DoubleHeadRoIHead(StandardRoIHead):
    """The box head reads the RoI features for classification and those of the RoIs enlarged by
    ``reg_roi_scale_factor`` for regression (``DoubleConvFCBBoxHead``)."""

    def __init__(self, reg_roi_scale_factor: float, **kwargs):
        super().__init__(**kwargs)
        self.reg_roi_scale_factor = reg_roi_scale_factor

    def _bbox_forward(self, x, rois) -> dict:
        feats = x[:self.bbox_roi_extractor.num_inputs]
        cls_feats = self.bbox_roi_extractor(feats, rois)
        reg_feats = self.bbox_roi_extractor(feats, rois, roi_scale_factor=self.reg_roi_scale_factor)
        if self.with_shared_head:
            cls_feats, reg_feats = self.shared_head(cls_feats), self.shared_head(reg_feats)
        cls_score, bbox_pred = self.bbox_head(cls_feats, reg_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=cls_feats)
