"""``SingleStageDetector``: backbone, neck and one dense head (RetinaNet...)."""
from __future__ import annotations

import warnings

from ...core.bbox import bbox2result
from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .base import BaseDetector
from .cfg_schema import check_dense_test_cfg, check_dense_train_cfg


@DETECTORS.register_module()
class SingleStageDetector(BaseDetector):
    """Dense detection in one pass; ``train_cfg``/``test_cfg`` go to the head."""

    def __init__(self, backbone: dict, neck: dict | None = None, bbox_head: dict | None = None, train_cfg=None,
                 test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        backbone = dict(backbone)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone['pretrained'] = pretrained
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        # the keys a config may set: the dense heads' and those the head declares (others are errors)
        self.train_cfg = check_dense_train_cfg(train_cfg, bbox_head)
        self.test_cfg = check_dense_test_cfg(test_cfg, bbox_head)
        self.bbox_head = build_head(dict(bbox_head, train_cfg=self.train_cfg, test_cfg=self.test_cfg))

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.with_neck else x

    def forward_dummy(self, img):
        """Raw head outputs (for FLOPs counting)."""
        return self.bbox_head(self.extract_feat(img))

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` and ``loss_bbox`` (lists, one per level)."""
        super().forward_train(img, img_metas)
        return self.bbox_head.forward_train(self.extract_feat(img), img_metas, gt_bboxes, gt_labels,
                                            gt_bboxes_ignore)

    def simple_test(self, img, img_metas, rescale: bool = False) -> list:
        """Per image, per class ``(n, 5)`` arrays."""
        results = self.bbox_head.simple_test(self.extract_feat(img), img_metas, rescale=rescale)
        return [bbox2result(dets, labels, self.bbox_head.num_classes) for dets, labels in results]

    def aug_test(self, imgs, img_metas, rescale: bool = False) -> list:
        if not hasattr(self.bbox_head, 'aug_test'):
            raise NotImplementedError(f'{type(self.bbox_head).__name__} does not support test-time augmentation')
        results = self.bbox_head.aug_test(self.extract_feats(imgs), img_metas, rescale=rescale)
        return [bbox2result(dets, labels, self.bbox_head.num_classes) for dets, labels in results]
