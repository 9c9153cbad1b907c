"""``SparseRCNN``: learnt proposals (``EmbeddingRPNHead``) refined by ``SparseRoIHead``'s stages."""
from __future__ import annotations

from ..builder import DETECTORS
from .two_stage import TwoStageDetector


@DETECTORS.register_module()
class SparseRCNN(TwoStageDetector):
    """Sparse R-CNN (Sun et al., 2021): no anchors, no NMS; ``train_cfg.rpn``/``test_cfg.rpn`` are None."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.with_rpn:
            raise ValueError('SparseRCNN needs an rpn_head (EmbeddingRPNHead): it takes no external proposals')

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=None,
                      proposals=None, **kwargs) -> dict:
        """The RoI head's per-stage losses."""
        if proposals is not None:
            raise ValueError('SparseRCNN takes no external proposals (its proposals are learnt)')
        x = self.extract_feat(img)
        proposal_boxes, proposal_features, imgs_whwh = self.rpn_head.forward_train(x, img_metas)
        return self.roi_head.forward_train(x, proposal_boxes, proposal_features, img_metas, gt_bboxes, gt_labels,
                                           gt_bboxes_ignore=gt_bboxes_ignore, gt_masks=gt_masks, imgs_whwh=imgs_whwh)

    def simple_test(self, img, img_metas, proposals=None, rescale: bool = False) -> list:
        x = self.extract_feat(img)
        proposal_boxes, proposal_features, imgs_whwh = self.rpn_head.simple_test_rpn(x, img_metas)
        return self.roi_head.simple_test(x, proposal_boxes, proposal_features, img_metas, imgs_whwh=imgs_whwh,
                                         rescale=rescale)

    def aug_test(self, imgs, img_metas, rescale: bool = False):
        raise NotImplementedError('Sparse R-CNN does not support test-time augmentation (as mmdet)')

    def forward_dummy(self, img):
        """Backbone, neck and every RoI stage on a dummy batch, for FLOPs counting."""
        x = self.extract_feat(img)
        metas = [dict(img_shape=(img.shape[2], img.shape[3], 3)) for _ in range(len(img))]
        proposal_boxes, proposal_features, _ = self.rpn_head.simple_test_rpn(x, metas)
        return self.roi_head.forward_dummy(x, proposal_boxes, proposal_features, metas)


@DETECTORS.register_module()
class QueryInst(SparseRCNN):
    """QueryInst (Fang et al., 2021): Sparse R-CNN whose stages also predict masks (``DynamicMaskHead``)."""
