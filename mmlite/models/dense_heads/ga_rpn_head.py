"""``GARPNHead``: guided-anchoring region proposals."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...ops import nms
from ..builder import HEADS
from .guided_anchor_head import GuidedAnchorHead


@HEADS.register_module()
class GARPNHead(GuidedAnchorHead):
    """Guided-anchoring RPN: a 3x3 conv, then :class:`GuidedAnchorHead` with one (objectness) class.

    Proposal config keys: ``nms_pre`` (per level), ``min_bbox_size``, ``nms`` (plain NMS, per level),
    ``nms_post`` (proposals kept per level after NMS; defaults to ``max_per_img``) and ``max_per_img``
    (the highest-scoring proposals of all levels, without NMS across levels).
    """

    extra_test_cfg_keys = ('nms_post', )

    def __init__(self, in_channels: int,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='conv_loc', std=0.01, bias_prob=0.01)),
                 **kwargs):
        super().__init__(1, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.rpn_conv = nn.Conv2d(self.in_channels, self.feat_channels, 3, padding=1)
        super()._init_layers()

    def forward_single(self, x):
        return super().forward_single(F.relu(self.rpn_conv(x), inplace=True))

    def loss(self, cls_scores, bbox_preds, shape_preds, loc_preds, gt_bboxes, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_rpn_cls``, ``loss_rpn_bbox``, ``loss_anchor_shape`` and ``loss_anchor_loc`` (per level)."""
        losses = super().loss(cls_scores, bbox_preds, shape_preds, loc_preds, gt_bboxes, None, img_metas,
                              gt_bboxes_ignore=gt_bboxes_ignore)
        return dict(loss_rpn_cls=losses['loss_cls'], loss_rpn_bbox=losses['loss_bbox'],
                    loss_anchor_shape=losses['loss_shape'], loss_anchor_loc=losses['loss_loc'])

    def _get_bboxes_single(self, cls_scores, bbox_preds, mlvl_anchors, mlvl_masks, img_shape, scale_factor, cfg,
                           rescale=False, with_nms=True):
        """Proposals ``(n, 5)`` of one image (in the network input's frame)."""
        cfg = self.test_cfg if cfg is None else cfg
        if cfg.nms.get('type', 'nms') != 'nms':
            raise ValueError(f"GARPNHead proposals use plain NMS; got nms type {cfg.nms['type']!r}")
        nms_post = cfg.get('nms_post', cfg.max_per_img)
        proposals = []
        for cls_score, bbox_pred, anchors, mask in zip(cls_scores, bbox_preds, mlvl_anchors, mlvl_masks):
            if not mask.any():
                continue
            cls_score = cls_score.permute(1, 2, 0)
            scores = (cls_score.reshape(-1).sigmoid() if self.use_sigmoid_cls
                      else cls_score.reshape(-1, 2).softmax(dim=1)[:, :-1].reshape(-1))[mask]
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, 4)[mask]
            if 0 < cfg.nms_pre < scores.shape[0]:
                scores, top = scores.topk(cfg.nms_pre)
                bbox_pred, anchors = bbox_pred[top], anchors[top]
            boxes = self.bbox_coder.decode(anchors, bbox_pred, max_shape=img_shape)
            if cfg.min_bbox_size >= 0:
                wide = (boxes[:, 2] - boxes[:, 0] > cfg.min_bbox_size) & (boxes[:, 3] - boxes[:, 1] > cfg.min_bbox_size)
                boxes, scores = boxes[wide], scores[wide]
            proposals.append(nms(boxes, scores, cfg.nms.iou_threshold)[0][:nms_post])
        proposals = torch.cat(proposals) if proposals else cls_scores[0].new_zeros((0, 5))
        return proposals[proposals[:, 4].topk(min(cfg.max_per_img, proposals.shape[0]))[1]]
