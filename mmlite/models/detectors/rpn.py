"""``RPN``: a region-proposal network trained and evaluated on its own."""
from __future__ import annotations

import warnings

from ...core.bbox import bbox_mapping
from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .base import BaseDetector
from .cfg_schema import check_sections, rpn_per_stage, rpn_sections


@DETECTORS.register_module()
class RPN(BaseDetector):
    """Backbone, neck and ``rpn_head``; results are per-image ``(n, 5)`` proposal arrays."""

    def __init__(self, backbone: dict, neck: dict | None, rpn_head: dict, train_cfg, test_cfg, pretrained=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        backbone = dict(backbone)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone['pretrained'] = pretrained
        self.backbone = build_backbone(backbone)
        self.neck = build_neck(neck) if neck is not None else None
        train_sections, test_sections = rpn_sections(rpn_head, ('nms', 'max_per_img'))
        self.train_cfg = check_sections(train_cfg, train_sections, 'model.train_cfg', per_stage=rpn_per_stage(rpn_head))
        self.test_cfg = check_sections(test_cfg, test_sections, 'model.test_cfg')
        self.rpn_head = build_head(dict(rpn_head, train_cfg=self.train_cfg.rpn if self.train_cfg else None,
                                        test_cfg=self.test_cfg.rpn if self.test_cfg else None))

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.with_neck else x

    def forward_dummy(self, img):
        return self.rpn_head(self.extract_feat(img))

    def forward_train(self, img, img_metas, gt_bboxes=None, gt_bboxes_ignore=None) -> dict:
        """``loss_rpn_cls`` and ``loss_rpn_bbox``."""
        super().forward_train(img, img_metas)
        return self.rpn_head.forward_train(self.extract_feat(img), img_metas, gt_bboxes, None, gt_bboxes_ignore)

    def simple_test(self, img, img_metas, rescale: bool = False) -> list:
        """Per image ``(n, 5)`` proposals (in the original image frame with ``rescale``)."""
        proposal_list = self.rpn_head.simple_test_rpn(self.extract_feat(img), img_metas)
        if rescale:
            for proposals, meta in zip(proposal_list, img_metas):
                proposals[:, :4] /= proposals.new_tensor(meta['scale_factor'])
        return [proposals.cpu().numpy() for proposals in proposal_list]

    def aug_test(self, imgs, img_metas, rescale: bool = False) -> list:
        proposal_list = self.rpn_head.aug_test_rpn(self.extract_feats(imgs), img_metas)
        if not rescale:
            for proposals, meta in zip(proposal_list, img_metas[0]):
                proposals[:, :4] = bbox_mapping(proposals[:, :4], meta['img_shape'], meta['scale_factor'],
                                                meta['flip'], meta.get('flip_direction', 'horizontal'))
        return [proposals.cpu().numpy() for proposals in proposal_list]
