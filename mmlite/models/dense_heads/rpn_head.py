"""``RPNHead``: class-agnostic proposals from anchors (Faster/Mask R-CNN first stage)."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...core.post_processing import batched_nms
from ..builder import HEADS
from .anchor_head import AnchorHead


@HEADS.register_module()
class RPNHead(AnchorHead):
    """Region proposal head: a 3x3 conv (or ``num_convs`` ConvModules), then objectness and deltas.

    Test config keys: ``nms_pre`` (per level), ``min_bbox_size``, ``nms``, ``max_per_img``.
    """

    def __init__(self, in_channels: int, init_cfg=dict(type='Normal', layer='Conv2d', std=0.01),  # noqa: B006
                 num_convs: int = 1, **kwargs):
        self.num_convs = num_convs
        super().__init__(1, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        if self.num_convs > 1:
            self.rpn_conv = nn.Sequential(*[
                ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels, 3, padding=1,
                           inplace=False) for i in range(self.num_convs)])
        else:
            self.rpn_conv = nn.Conv2d(self.in_channels, self.feat_channels, 3, padding=1)
        self.rpn_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 1)
        self.rpn_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 1)

    def forward_single(self, x):
        x = F.relu(self.rpn_conv(x), inplace=True)
        return self.rpn_cls(x), self.rpn_reg(x)

    def loss(self, cls_scores, bbox_preds, gt_bboxes, img_metas, gt_bboxes_ignore=None) -> dict:
        losses = super().loss(cls_scores, bbox_preds, gt_bboxes, None, img_metas, gt_bboxes_ignore=gt_bboxes_ignore)
        return dict(loss_rpn_cls=losses['loss_cls'], loss_rpn_bbox=losses['loss_bbox'])

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_anchors, img_meta, cfg,
                           rescale=False, with_nms=True, **kwargs):
        cfg = copy.deepcopy(self.test_cfg if cfg is None else cfg)
        nms_pre = cfg.get('nms_pre', -1)
        mlvl_scores, mlvl_preds, mlvl_anchors_kept, level_ids = [], [], [], []
        for level, (score, pred) in enumerate(zip(cls_score_list, bbox_pred_list)):
            score = score.permute(1, 2, 0)
            scores = (score.reshape(-1).sigmoid() if self.use_sigmoid_cls else
                      score.reshape(-1, 2).softmax(dim=1)[:, 0])  # foreground is class 0 since mmdet 2.5
            pred = pred.permute(1, 2, 0).reshape(-1, 4)
            anchors = mlvl_anchors[level]
            if 0 < nms_pre < scores.shape[0]:
                scores, rank = scores.sort(descending=True)
                scores, topk = scores[:nms_pre], rank[:nms_pre]
                pred, anchors = pred[topk, :], anchors[topk, :]
            mlvl_scores.append(scores)
            mlvl_preds.append(pred)
            mlvl_anchors_kept.append(anchors)
            level_ids.append(scores.new_full((scores.size(0), ), level, dtype=torch.long))
        return self._proposals(mlvl_scores, mlvl_preds, mlvl_anchors_kept, level_ids, cfg, img_meta['img_shape'])

    def _proposals(self, mlvl_scores, mlvl_preds, mlvl_anchors, level_ids, cfg, img_shape) -> torch.Tensor:
        scores = torch.cat(mlvl_scores)
        proposals = self.bbox_coder.decode(torch.cat(mlvl_anchors), torch.cat(mlvl_preds), max_shape=img_shape)
        ids = torch.cat(level_ids)
        if cfg.min_bbox_size >= 0:
            w, h = proposals[:, 2] - proposals[:, 0], proposals[:, 3] - proposals[:, 1]
            valid = (w > cfg.min_bbox_size) & (h > cfg.min_bbox_size)
            if not valid.all():
                proposals, scores, ids = proposals[valid], scores[valid], ids[valid]
        if proposals.numel() == 0:
            return proposals.new_zeros(0, 5)
        dets, _ = batched_nms(proposals, scores, ids, cfg.nms)  # levels are suppressed independently
        return dets[:cfg.max_per_img]
