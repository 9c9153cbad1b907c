"""``TwoStageDetector``: backbone, neck, RPN proposals, then an RoI head (Faster/Mask R-CNN)."""
from __future__ import annotations

import warnings

from ..builder import DETECTORS, build_backbone, build_head, build_neck
from .base import BaseDetector
from .cfg_schema import (RCNN_TEST, RCNN_TRAIN, check_sections, declared_cfg_keys, required_test_cfg_keys,
                         rpn_per_stage, rpn_sections)

_RCNN_TRAIN_REQUIRED = ('assigner', 'sampler')
_RCNN_TEST = (RCNN_TEST, ('score_thr', 'nms', 'max_per_img'))


@DETECTORS.register_module()
class TwoStageDetector(BaseDetector):
    """Proposals from ``rpn_head`` (or given), classified and refined by ``roi_head``.

    ``train_cfg``: ``rpn``, ``rpn_proposal``, ``rcnn``; ``test_cfg``: ``rpn``, ``rcnn``.
    """

    def __init__(self, backbone: dict, neck: dict | None = None, rpn_head: dict | None = None,
                 roi_head: dict | None = None, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        backbone = dict(backbone)
        if pretrained:
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            backbone['pretrained'] = pretrained
        # the rcnn keys a config may set: the RoI heads' and those the head declares (others are errors)
        rpn_train, rpn_test = rpn_sections(rpn_head, ('nms', 'max_per_img'))
        train_sections = dict(rpn_train, rcnn=(RCNN_TRAIN | declared_cfg_keys(roi_head, 'train'), _RCNN_TRAIN_REQUIRED))
        self.train_cfg = check_sections(train_cfg, train_sections, 'model.train_cfg',
                                        per_stage=('rcnn', ) + rpn_per_stage(rpn_head))
        rcnn_test = (_RCNN_TEST[0] | declared_cfg_keys(roi_head, 'test'),
                     required_test_cfg_keys(roi_head, _RCNN_TEST[1]))
        self.test_cfg = check_sections(test_cfg, dict(rpn_test, rcnn=rcnn_test), 'model.test_cfg')
        self.backbone = build_backbone(backbone)
        if neck is not None:
            self.neck = build_neck(neck)
        if rpn_head is not None:
            self.rpn_head = build_head(dict(rpn_head, train_cfg=self._section('train_cfg', 'rpn'),
                                            test_cfg=self._section('test_cfg', 'rpn')))
        if roi_head is not None:
            self.roi_head = build_head(dict(roi_head, train_cfg=self._section('train_cfg', 'rcnn'),
                                            test_cfg=self._section('test_cfg', 'rcnn'), pretrained=pretrained))

    def _section(self, which: str, name: str):
        cfg = getattr(self, which)
        return None if cfg is None else cfg.get(name)

    @property
    def with_rpn(self) -> bool:
        return getattr(self, 'rpn_head', None) is not None

    @property
    def with_roi_head(self) -> bool:
        return getattr(self, 'roi_head', None) is not None

    def extract_feat(self, img):
        x = self.backbone(img)
        return self.neck(x) if self.with_neck else x

    def forward_dummy(self, img):
        """Raw outputs for FLOPs counting (1000 dummy proposals)."""
        import torch
        x = self.extract_feat(img)
        outs = self.rpn_head(x) if self.with_rpn else ()
        proposals = torch.randn(1000, 4, device=img.device)
        return outs + self.roi_head.forward_dummy(x, proposals)

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=None,
                      proposals=None, **kwargs) -> dict:
        """RPN losses (``loss_rpn_cls``, ``loss_rpn_bbox``) and RoI-head losses."""
        return self._rpn_roi_losses(self.extract_feat(img), img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore,
                                    gt_masks, proposals, **kwargs)

    def _rpn_roi_losses(self, x, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore, gt_masks, proposals,
                        **kwargs) -> dict:
        """The RPN's and the RoI head's losses on the features ``x``."""
        losses = {}
        if self.with_rpn:
            proposal_cfg = self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)
            rpn_losses, proposal_list = self.rpn_head.forward_train(x, img_metas, gt_bboxes, gt_labels=None,
                                                                    gt_bboxes_ignore=gt_bboxes_ignore,
                                                                    proposal_cfg=proposal_cfg, **kwargs)
            losses.update(rpn_losses)
        else:
            proposal_list = proposals
        losses.update(self.roi_head.forward_train(x, img_metas, proposal_list, gt_bboxes, gt_labels,
                                                  gt_bboxes_ignore, gt_masks, **kwargs))
        return losses

    def simple_test(self, img, img_metas, proposals=None, rescale: bool = False) -> list:
        """Per image mmdet results (per-class boxes, and masks for Mask R-CNN)."""
        if not self.with_bbox:
            raise RuntimeError('Bbox head must be implemented.')
        x = self.extract_feat(img)
        proposal_list = self.rpn_head.simple_test_rpn(x, img_metas) if proposals is None else proposals
        return self.roi_head.simple_test(x, proposal_list, img_metas, rescale=rescale)

    def aug_test(self, imgs, img_metas, rescale: bool = False) -> list:
        """Test-time augmentation: proposals and detections merged over the augmented images."""
        x = self.extract_feats(imgs)
        proposal_list = self.rpn_head.aug_test_rpn(x, img_metas)
        return self.roi_head.aug_test(x, proposal_list, img_metas, rescale=rescale)
