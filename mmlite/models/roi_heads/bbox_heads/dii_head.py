"""``DIIHead``: Sparse R-CNN's dynamic instance interactive head."""
from __future__ import annotations

import torch
import torch.nn as nn

from ....cnn import FFN, MultiheadAttention, bias_init_with_prob, build_activation_layer, build_norm_layer
from ....core.utils import reduce_mean
from ....runner import auto_fp16, force_fp32
from ...builder import HEADS, build_loss
from ...losses import accuracy
from ...utils.dynamic_conv import DynamicConv
from .bbox_head import BBoxHead


def _fc_stack(channels: int, num: int) -> nn.ModuleList:
    layers = nn.ModuleList()
    for _ in range(num):
        layers.extend([nn.Linear(channels, channels, bias=False), build_norm_layer(dict(type='LN'), channels)[1],
                       build_activation_layer(dict(type='ReLU', inplace=True))])
    return layers


@HEADS.register_module()
class DIIHead(BBoxHead):
    """Self-attention among an image's proposal features, a ``DynamicConv`` interaction of each with its RoI
    features, an FFN (each followed by LayerNorm), then class and box branches; boxes are decoded deltas
    (class-agnostic) trained with L1 on normalised boxes and GIoU (``loss_iou``).

    Args:
        num_ffn_fcs / feedforward_channels / num_heads / dropout / ffn_act_cfg: The attention and FFN.
        num_cls_fcs / num_reg_fcs: Linear-LN-ReLU layers of the branches.
        dynamic_conv_cfg: ``DynamicConv`` arguments (``type='DynamicConv'``).
    """

    def __init__(self, num_classes: int = 80, num_ffn_fcs: int = 2, num_heads: int = 8, num_cls_fcs: int = 1,
                 num_reg_fcs: int = 3, feedforward_channels: int = 2048, in_channels: int = 256, dropout: float = 0.0,
                 ffn_act_cfg=dict(type='ReLU', inplace=True),  # noqa: B006
                 dynamic_conv_cfg=dict(type='DynamicConv', in_channels=256, feat_channels=64,  # noqa: B006
                                       out_channels=256, input_feat_shape=7, act_cfg=dict(type='ReLU', inplace=True),
                                       norm_cfg=dict(type='LN')),
                 loss_iou=dict(type='GIoULoss', loss_weight=2.0), init_cfg=None, **kwargs):  # noqa: B006
        if init_cfg is not None:
            raise ValueError('DIIHead initialises its own weights; init_cfg is not allowed')
        if not kwargs.pop('reg_class_agnostic', True) or not kwargs.pop('reg_decoded_bbox', True):
            raise ValueError('DIIHead only supports reg_class_agnostic=True and reg_decoded_bbox=True')
        super().__init__(num_classes=num_classes, reg_decoded_bbox=True, reg_class_agnostic=True, init_cfg=None,
                         **kwargs)
        self.loss_iou = build_loss(loss_iou)
        self.in_channels = in_channels
        self.fp16_enabled = False
        self.attention = MultiheadAttention(in_channels, num_heads, dropout)
        self.attention_norm = build_norm_layer(dict(type='LN'), in_channels)[1]
        conv_cfg = dict(dynamic_conv_cfg)
        if conv_cfg.pop('type', 'DynamicConv') != 'DynamicConv':
            raise ValueError(f'DIIHead.dynamic_conv_cfg.type must be DynamicConv, got {dynamic_conv_cfg["type"]!r}')
        self.instance_interactive_conv = DynamicConv(**conv_cfg)
        self.instance_interactive_conv_dropout = nn.Dropout(dropout)
        self.instance_interactive_conv_norm = build_norm_layer(dict(type='LN'), in_channels)[1]
        self.ffn = FFN(in_channels, feedforward_channels, num_ffn_fcs, act_cfg=ffn_act_cfg, ffn_drop=dropout)
        self.ffn_norm = build_norm_layer(dict(type='LN'), in_channels)[1]
        self.cls_fcs = _fc_stack(in_channels, num_cls_fcs)
        self.fc_cls = nn.Linear(in_channels, num_classes if self.loss_cls.use_sigmoid else num_classes + 1)
        self.reg_fcs = _fc_stack(in_channels, num_reg_fcs)
        self.fc_reg = nn.Linear(in_channels, 4)

    def init_weights(self) -> None:
        super().init_weights()
        for param in self.parameters():
            if param.dim() > 1:
                nn.init.xavier_uniform_(param)
        if self.loss_cls.use_sigmoid:
            nn.init.constant_(self.fc_cls.bias, bias_init_with_prob(0.01))

    @auto_fp16()
    def forward(self, roi_feat: torch.Tensor, proposal_feat: torch.Tensor) -> tuple:
        """Class scores ``(N, proposals, classes)``, box deltas ``(N, proposals, 4)``, the updated proposal
        features and the attention output (QueryInst's mask head reads it)."""
        num_imgs, num_proposals = proposal_feat.shape[:2]
        attn_feats = self.attention_norm(self.attention(proposal_feat.permute(1, 0, 2))).permute(1, 0, 2)
        proposal_feat = attn_feats.reshape(-1, self.in_channels)
        proposal_feat = proposal_feat + self.instance_interactive_conv_dropout(
            self.instance_interactive_conv(proposal_feat, roi_feat))
        obj_feat = self.ffn_norm(self.ffn(self.instance_interactive_conv_norm(proposal_feat)))
        cls_feat, reg_feat = obj_feat, obj_feat
        for layer in self.cls_fcs:
            cls_feat = layer(cls_feat)
        for layer in self.reg_fcs:
            reg_feat = layer(reg_feat)
        cls_score = self.fc_cls(cls_feat).view(num_imgs, num_proposals, -1)
        bbox_delta = self.fc_reg(reg_feat).view(num_imgs, num_proposals, 4)
        return cls_score, bbox_delta, obj_feat.view(num_imgs, num_proposals, self.in_channels), attn_feats

    @force_fp32(apply_to=('cls_score', 'bbox_pred'))
    def loss(self, cls_score, bbox_pred, labels, label_weights, bbox_targets, bbox_weights, imgs_whwh=None,
             reduction_override=None, **kwargs) -> dict:
        """``loss_cls`` and ``pos_acc``; ``loss_bbox`` (L1 of image-normalised boxes) and ``loss_iou`` over the
        matched proposals; each averaged over the matches (across processes)."""
        pos = (labels >= 0) & (labels < self.num_classes)
        avg_factor = reduce_mean(pos.sum().float())
        losses = {}
        if cls_score is not None and cls_score.numel() > 0:
            losses['loss_cls'] = self.loss_cls(cls_score, labels, label_weights, avg_factor=avg_factor,
                                               reduction_override=reduction_override)
            losses['pos_acc'] = accuracy(cls_score[pos], labels[pos])
        if bbox_pred is not None:
            if pos.any():
                pos_pred, whwh = bbox_pred.reshape(-1, 4)[pos], imgs_whwh.reshape(-1, 4)[pos]
                losses['loss_bbox'] = self.loss_bbox(pos_pred / whwh, bbox_targets[pos] / whwh, bbox_weights[pos],
                                                     avg_factor=avg_factor)
                losses['loss_iou'] = self.loss_iou(pos_pred, bbox_targets[pos], bbox_weights[pos],
                                                   avg_factor=avg_factor)
            else:
                losses['loss_bbox'] = losses['loss_iou'] = bbox_pred.sum() * 0
        return losses

    def get_targets(self, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg, concat: bool = True):
        """Per proposal (in proposal order): labels (background = ``num_classes``), label weights, the matched
        boxes as targets and box weights."""
        targets = [self._get_target_in_place(res, rcnn_train_cfg) for res in sampling_results]
        labels, label_weights, bbox_targets, bbox_weights = (list(t) for t in zip(*targets))
        if concat:
            return tuple(torch.cat(t, 0) for t in (labels, label_weights, bbox_targets, bbox_weights))
        return labels, label_weights, bbox_targets, bbox_weights

    def _get_target_in_place(self, res, cfg) -> tuple:
        num_samples = res.pos_bboxes.shape[0] + res.neg_bboxes.shape[0]
        labels = res.pos_bboxes.new_full((num_samples, ), self.num_classes, dtype=torch.long)
        label_weights = res.pos_bboxes.new_zeros(num_samples)
        bbox_targets = res.pos_bboxes.new_zeros(num_samples, 4)
        bbox_weights = res.pos_bboxes.new_zeros(num_samples, 4)
        if len(res.pos_inds):
            labels[res.pos_inds] = res.pos_gt_labels
            label_weights[res.pos_inds] = 1.0 if cfg.pos_weight <= 0 else cfg.pos_weight
            bbox_targets[res.pos_inds] = res.pos_gt_bboxes
            bbox_weights[res.pos_inds] = 1
        if len(res.neg_inds):
            label_weights[res.neg_inds] = 1.0
        return labels, label_weights, bbox_targets, bbox_weights
