"""``TridentFasterRCNN``: Faster R-CNN on a ``TridentResNet``, each image's targets repeated per branch."""
from __future__ import annotations

from ..builder import DETECTORS
from .faster_rcnn import FasterRCNN


@DETECTORS.register_module()
class TridentFasterRCNN(FasterRCNN):
    """TridentNet (Li et al., 2019). Backbone and RoI head must agree on ``num_branch`` and
    ``test_branch_idx``; the batch after the trident stage is branch-major, so metas and targets are repeated
    ``num_branch`` times (once when testing a single branch)."""

    def __init__(self, backbone, rpn_head, roi_head, train_cfg, test_cfg, neck=None, pretrained=None, init_cfg=None):
        super().__init__(backbone=backbone, neck=neck, rpn_head=rpn_head, roi_head=roi_head, train_cfg=train_cfg,
                         test_cfg=test_cfg, pretrained=pretrained, init_cfg=init_cfg)
        for key in ('num_branch', 'test_branch_idx'):
            if getattr(self.backbone, key) != getattr(self.roi_head, key):
                raise ValueError(f'TridentFasterRCNN: backbone.{key}={getattr(self.backbone, key)} and '
                                 f'roi_head.{key}={getattr(self.roi_head, key)} must be equal')
        self.num_branch, self.test_branch_idx = self.backbone.num_branch, self.backbone.test_branch_idx

    def _test_branches(self) -> int:
        return self.num_branch if self.test_branch_idx == -1 else 1

    def simple_test(self, img, img_metas, proposals=None, rescale: bool = False) -> list:
        x = self.extract_feat(img)
        trident_img_metas = img_metas * self._test_branches()
        proposal_list = self.rpn_head.simple_test_rpn(x, trident_img_metas) if proposals is None else proposals
        return self.roi_head.simple_test(x, proposal_list, trident_img_metas, rescale=rescale)

    def aug_test(self, imgs, img_metas, rescale: bool = False) -> list:
        if self.test_branch_idx == -1:
            raise NotImplementedError('TridentFasterRCNN test-time augmentation runs one branch: set '
                                      'test_branch_idx >= 0 in the backbone and the RoI head')
        x = self.extract_feats(imgs)
        proposal_list = self.rpn_head.aug_test_rpn(x, img_metas)
        return self.roi_head.aug_test(x, proposal_list, img_metas, rescale=rescale)

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, **kwargs) -> dict:
        return super().forward_train(img, list(img_metas) * self.num_branch, list(gt_bboxes) * self.num_branch,
                                     list(gt_labels) * self.num_branch, **kwargs)
