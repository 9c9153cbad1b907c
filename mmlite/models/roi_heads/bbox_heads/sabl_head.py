"""``SABLHead``: the R-CNN box head of side-aware boundary localisation (bucketed, per side)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ....cnn import ConvModule
from ....core.bbox import build_bbox_coder
from ....core.post_processing import multiclass_nms
from ....runner import BaseModule, force_fp32
from ...builder import HEADS, build_loss
from ...losses import accuracy
from .bbox_head import CustomLossClsMixin


def _fc_branch(num_fcs: int, in_channels: int, out_channels: int) -> nn.ModuleList:
    return nn.ModuleList([nn.Linear(in_channels if i == 0 else out_channels, out_channels) for i in range(num_fcs)])


@HEADS.register_module()
class SABLHead(CustomLossClsMixin, BaseModule):
    """SABL (Wang et al., 2020) for R-CNN: a classification branch (fcs) and a regression branch that pools the
    RoI features along y and x with learnt attention into side-aware 1-D features, upsamples them to
    ``num_buckets`` positions and predicts, per position, a bucket score and an offset; each side reads the
    half of the positions nearest it. Class-agnostic; scores are rescored by the bucket confidence.

    Args:
        cls_in_channels / reg_in_channels / roi_feat_size: RoI features.
        reg_feat_up_ratio: Upsampling of the 1-D features (``roi_feat_size * ratio`` must be ``num_buckets``).
        reg_pre_kernel / reg_pre_num: 2-D convs before pooling. reg_post_kernel / reg_post_num: 1-D convs after.
        cls_out_channels / num_cls_fcs: Classification fcs. reg_offset_out_channels / reg_cls_out_channels /
            num_reg_fcs: Per-position fcs. norm_cfg: Norm of the regression convs.
        bbox_coder: A ``BucketingBBoxCoder`` config. loss_cls / loss_bbox_cls / loss_bbox_reg: Losses.
    """

    def __init__(self, num_classes: int, cls_in_channels: int = 256, reg_in_channels: int = 256,
                 roi_feat_size: int = 7, reg_feat_up_ratio: int = 2, reg_pre_kernel: int = 3,
                 reg_post_kernel: int = 3, reg_pre_num: int = 2, reg_post_num: int = 1, cls_out_channels: int = 1024,
                 reg_offset_out_channels: int = 256, reg_cls_out_channels: int = 256, num_cls_fcs: int = 1,
                 num_reg_fcs: int = 0, reg_class_agnostic: bool = True, norm_cfg=None,
                 bbox_coder=dict(type='BucketingBBoxCoder', num_buckets=14, scale_factor=1.7),  # noqa: B006
                 loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),  # noqa: B006
                 loss_bbox_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 loss_bbox_reg=dict(type='SmoothL1Loss', beta=0.1, loss_weight=1.0),  # noqa: B006
                 init_cfg=None):
        super().__init__(init_cfg)
        self.reg_feat_up_ratio, self.num_buckets = int(reg_feat_up_ratio), bbox_coder['num_buckets']
        self.up_reg_feat_size = roi_feat_size * self.reg_feat_up_ratio
        if self.reg_feat_up_ratio < 2 or self.up_reg_feat_size != self.num_buckets:
            raise ValueError(f'SABLHead: roi_feat_size x reg_feat_up_ratio ({roi_feat_size} x {reg_feat_up_ratio}) '
                             f"must equal bbox_coder.num_buckets ({self.num_buckets}), with a ratio of at least 2")
        if not reg_class_agnostic:
            raise ValueError('SABLHead regresses class-agnostically: reg_class_agnostic must be True')
        if num_reg_fcs == 0 and reg_in_channels not in (reg_offset_out_channels, reg_cls_out_channels) or (
                num_reg_fcs == 0 and reg_offset_out_channels != reg_cls_out_channels):
            raise ValueError('SABLHead: without reg fcs (num_reg_fcs=0) the position predictors read the '
                             f'{reg_in_channels}-channel features: set reg_offset_out_channels and '
                             f'reg_cls_out_channels to {reg_in_channels}')
        self.num_classes, self.cls_in_channels, self.reg_in_channels = num_classes, cls_in_channels, reg_in_channels
        self.roi_feat_size, self.reg_class_agnostic, self.norm_cfg = roi_feat_size, reg_class_agnostic, norm_cfg
        self.reg_pre_num, self.reg_post_num = reg_pre_num, reg_post_num
        self.cls_out_channels = cls_out_channels
        self.side_num = math.ceil(self.num_buckets / 2)
        self.bbox_coder = build_bbox_coder(bbox_coder)
        self.loss_cls, self.loss_bbox_cls = build_loss(loss_cls), build_loss(loss_bbox_cls)
        self.loss_bbox_reg = build_loss(loss_bbox_reg)
        self._init_layers(reg_pre_kernel, reg_post_kernel, num_cls_fcs, num_reg_fcs, reg_offset_out_channels,
                          reg_cls_out_channels)
        if init_cfg is None:
            self.init_cfg = [
                dict(type='Xavier', layer='Linear', distribution='uniform',
                     override=[dict(type='Normal', name='reg_conv_att_x', std=0.01),
                               dict(type='Normal', name='reg_conv_att_y', std=0.01),
                               dict(type='Normal', name='fc_reg_cls', std=0.01),
                               dict(type='Normal', name='fc_cls', std=0.01),
                               dict(type='Normal', name='fc_reg_offset', std=0.001)]),
                dict(type='Kaiming', distribution='normal',
                     override=[dict(name='upsample_x'), dict(name='upsample_y')])]

    def _init_layers(self, reg_pre_kernel, reg_post_kernel, num_cls_fcs, num_reg_fcs, reg_offset_out_channels,
                     reg_cls_out_channels) -> None:
        """The classification fcs, the side-aware regression convs, attention and upsampling, the predictors (in
        mmdet's registration order)."""
        reg_in_channels, norm_cfg, roi_feat_size = self.reg_in_channels, self.norm_cfg, self.roi_feat_size
        cls_in_channels, cls_out_channels, num_classes = self.cls_in_channels, self.cls_out_channels, self.num_classes
        reg_pre_num, reg_post_num = self.reg_pre_num, self.reg_post_num
        self.cls_fcs = _fc_branch(num_cls_fcs, cls_in_channels * roi_feat_size * roi_feat_size, cls_out_channels)
        self.upsample_x, self.upsample_y = (nn.ConvTranspose1d(reg_in_channels, reg_in_channels, self.reg_feat_up_ratio,
                                                               stride=self.reg_feat_up_ratio) for _ in range(2))
        conv = dict(norm_cfg=norm_cfg, act_cfg=dict(type='ReLU'))
        self.reg_pre_convs = nn.ModuleList([
            ConvModule(reg_in_channels, reg_in_channels, reg_pre_kernel, padding=reg_pre_kernel // 2, **conv)
            for _ in range(reg_pre_num)])
        self.reg_post_conv_xs = nn.ModuleList([
            ConvModule(reg_in_channels, reg_in_channels, (1, reg_post_kernel), padding=(0, reg_post_kernel // 2),
                       **conv) for _ in range(reg_post_num)])
        self.reg_post_conv_ys = nn.ModuleList([
            ConvModule(reg_in_channels, reg_in_channels, (reg_post_kernel, 1), padding=(reg_post_kernel // 2, 0),
                       **conv) for _ in range(reg_post_num)])
        self.reg_conv_att_x = nn.Conv2d(reg_in_channels, 1, 1)
        self.reg_conv_att_y = nn.Conv2d(reg_in_channels, 1, 1)
        self.fc_cls = nn.Linear(cls_out_channels, num_classes + 1)
        self.relu = nn.ReLU(inplace=True)
        self.reg_cls_fcs = _fc_branch(num_reg_fcs, reg_in_channels, reg_cls_out_channels)
        self.reg_offset_fcs = _fc_branch(num_reg_fcs, reg_in_channels, reg_offset_out_channels)
        self.fc_reg_cls = nn.Linear(reg_cls_out_channels, 1)
        self.fc_reg_offset = nn.Linear(reg_offset_out_channels, 1)

    def forward(self, x):
        """``cls_score`` and ``bbox_pred = (bucket scores, bucket offsets)``, each ``(n, 4 * side_num)``."""
        return self.cls_forward(x), self.reg_forward(x)

    def cls_forward(self, x):
        x = x.flatten(1)
        for fc in self.cls_fcs:
            x = self.relu(fc(x))
        return self.fc_cls(x)

    def attention_pool(self, x) -> tuple:
        """Features pooled over y (for the x sides) and over x (for the y sides), each by a normalised
        sigmoid attention map."""
        att_x = self.reg_conv_att_x(x).sigmoid()
        att_y = self.reg_conv_att_y(x).sigmoid()
        att_x, att_y = att_x / att_x.sum(dim=2, keepdim=True), att_y / att_y.sum(dim=3, keepdim=True)
        return (x * att_x).sum(dim=2), (x * att_y).sum(dim=3)

    def side_aware_feature_extractor(self, x) -> tuple:
        """``(n, up_reg_feat_size, channels)`` features along x and along y."""
        for conv in self.reg_pre_convs:
            x = conv(x)
        fx, fy = self.attention_pool(x)
        if self.reg_post_num > 0:
            fx, fy = fx.unsqueeze(2), fy.unsqueeze(3)
            for conv_x, conv_y in zip(self.reg_post_conv_xs, self.reg_post_conv_ys):
                fx, fy = conv_x(fx), conv_y(fy)
            fx, fy = fx.squeeze(2), fy.squeeze(3)
        fx, fy = self.relu(self.upsample_x(fx)), self.relu(self.upsample_y(fy))
        return fx.transpose(1, 2).contiguous(), fy.transpose(1, 2).contiguous()

    def reg_pred(self, x, offset_fcs, cls_fcs) -> tuple:
        """Per position: an offset and a bucket score, ``(n, positions)`` each."""
        x_offset = x_cls = x.view(-1, self.reg_in_channels)
        for fc in offset_fcs:
            x_offset = self.relu(fc(x_offset))
        for fc in cls_fcs:
            x_cls = self.relu(fc(x_cls))
        return self.fc_reg_offset(x_offset).view(x.size(0), -1), self.fc_reg_cls(x_cls).view(x.size(0), -1)

    def side_aware_split(self, feat):
        """The near half of the positions for each side: first half as is (left/top), second half reversed
        (right/bottom), so that bucket 0 is at each side."""
        half_up, half_down = math.ceil(self.up_reg_feat_size / 2), self.up_reg_feat_size // 2
        return torch.cat([feat[:, :half_up].contiguous(), feat[:, half_down:].flip(dims=(1, )).contiguous()], dim=-1)

    def bbox_pred_split(self, bbox_pred, num_proposals_per_img) -> tuple:
        """Per image ``(bucket scores, offsets)``."""
        cls_preds, offset_preds = bbox_pred
        return tuple(zip(cls_preds.split(num_proposals_per_img, 0), offset_preds.split(num_proposals_per_img, 0)))

    def reg_forward(self, x) -> tuple:
        fx, fy = self.side_aware_feature_extractor(x)
        offset_x, cls_x = self.reg_pred(fx, self.reg_offset_fcs, self.reg_cls_fcs)
        offset_y, cls_y = self.reg_pred(fy, self.reg_offset_fcs, self.reg_cls_fcs)
        split = self.side_aware_split
        return (torch.cat([split(cls_x), split(cls_y)], dim=-1), torch.cat([split(offset_x), split(offset_y)], dim=-1))

    def get_targets(self, sampling_results, gt_bboxes, gt_labels, rcnn_train_cfg, concat: bool = True) -> tuple:
        """``(labels, label_weights, (bucket targets, offset targets), (bucket weights, offset weights))`` of the
        sampled RoIs, positives first."""
        per_image = [self._bucket_target_single(res.pos_bboxes, res.neg_bboxes, res.pos_gt_bboxes, res.pos_gt_labels)
                     for res in sampling_results]
        parts = [torch.cat(p, 0) if concat else list(p) for p in zip(*per_image)]
        return parts[0], parts[1], (parts[2], parts[4]), (parts[3], parts[5])

    def _bucket_target_single(self, pos_proposals, neg_proposals, pos_gt_bboxes, pos_gt_labels) -> tuple:
        num_pos, num_neg = pos_proposals.size(0), neg_proposals.size(0)
        num = num_pos + num_neg
        labels = pos_gt_bboxes.new_full((num, ), self.num_classes, dtype=torch.long)
        label_weights = pos_proposals.new_zeros(num)
        targets = [pos_proposals.new_zeros(num, 4 * self.side_num) for _ in range(4)]
        if num_pos > 0:
            labels[:num_pos], label_weights[:num_pos] = pos_gt_labels, 1.0
            offsets, offset_weights, buckets, bucket_weights = self.bbox_coder.encode(pos_proposals, pos_gt_bboxes)
            for target, value in zip(targets, (buckets, bucket_weights, offsets, offset_weights)):
                target[:num_pos] = value
        if num_neg > 0:
            label_weights[-num_neg:] = 1.0
        return (labels, label_weights, *targets)

    @force_fp32(apply_to=('cls_score', 'bbox_pred'))
    def loss(self, cls_score, bbox_pred, rois, labels, label_weights, bbox_targets, bbox_weights,
             reduction_override=None) -> dict:
        """``loss_cls``, ``acc``, ``loss_bbox_cls`` and ``loss_bbox_reg``."""
        losses = {}
        if cls_score is not None:
            avg_factor = (label_weights > 0).sum().float().clamp(min=1.)  # a tensor: no host synchronisation
            losses['loss_cls'] = self.loss_cls(cls_score, labels, label_weights, avg_factor=avg_factor,
                                               reduction_override=reduction_override)
            losses['acc'] = accuracy(cls_score, labels)
        if bbox_pred is not None:
            (cls_preds, offset_preds), (cls_targets, offset_targets) = bbox_pred, bbox_targets
            cls_weights, offset_weights = bbox_weights
            cls_targets = cls_targets.view(-1, self.side_num)
            losses['loss_bbox_cls'] = self.loss_bbox_cls(cls_preds.view(-1, self.side_num), cls_targets,
                                                         cls_weights.view(-1, self.side_num),
                                                         avg_factor=cls_targets.size(0),
                                                         reduction_override=reduction_override)
            losses['loss_bbox_reg'] = self.loss_bbox_reg(offset_preds, offset_targets, offset_weights,
                                                         avg_factor=offset_targets.size(0),
                                                         reduction_override=reduction_override)
        return losses

    @force_fp32(apply_to=('cls_score', 'bbox_pred'))
    def get_bboxes(self, rois, cls_score, bbox_pred, img_shape, scale_factor, rescale: bool = False, cfg=None):
        """Decode one image's RoIs; with ``cfg`` per-class NMS on scores times the bucket confidence."""
        if isinstance(cls_score, list):
            cls_score = sum(cls_score) / float(len(cls_score))
        scores = F.softmax(cls_score, dim=1) if cls_score is not None else None
        confidences = None
        if bbox_pred is not None:
            bboxes, confidences = self.bbox_coder.decode(rois[:, 1:], bbox_pred, img_shape)
        else:
            bboxes = rois[:, 1:].clone()
            if img_shape is not None:
                bboxes[:, [0, 2]] = bboxes[:, [0, 2]].clamp(min=0, max=img_shape[1] - 1)
                bboxes[:, [1, 3]] = bboxes[:, [1, 3]].clamp(min=0, max=img_shape[0] - 1)
        if rescale and bboxes.size(0) > 0:
            bboxes = bboxes / bboxes.new_tensor(scale_factor)
        if cfg is None:
            return bboxes, scores
        return multiclass_nms(bboxes, scores, cfg.score_thr, cfg.nms, cfg.max_per_img, score_factors=confidences)

    @force_fp32(apply_to=('bbox_preds', ))
    def refine_bboxes(self, rois, labels, bbox_preds, pos_is_gts, img_metas) -> list:
        """Per image, the sampled RoIs moved by their predictions (cascade stages), gt RoIs dropped."""
        refined = []
        for i, meta in enumerate(img_metas):
            inds = (rois[:, 0] == i).nonzero().squeeze(1)
            boxes = self.regress_by_class(rois[inds, 1:], labels[inds], [p[inds] for p in bbox_preds], meta)
            keep = torch.ones(len(inds), dtype=torch.bool, device=rois.device)
            keep[:len(pos_is_gts[i])] = pos_is_gts[i] == 0
            refined.append(boxes[keep])
        return refined

    @force_fp32(apply_to=('bbox_pred', ))
    def regress_by_class(self, rois, label, bbox_pred, img_meta: dict):
        """``rois`` (``(n, 4)``, or ``(n, 5)`` with the image index) decoded from the bucket predictions."""
        if rois.size(1) == 4:
            return self.bbox_coder.decode(rois, bbox_pred, img_meta['img_shape'])[0]
        boxes = self.bbox_coder.decode(rois[:, 1:], bbox_pred, img_meta['img_shape'])[0]
        return torch.cat([rois[:, [0]], boxes], dim=1)
