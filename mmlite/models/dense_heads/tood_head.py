"""``TOODHead``: TOOD's task-aligned head (shared interactive convs, per-task decomposition and alignment)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule, Scale, bias_init_with_prob, normal_init
from ...core.anchor import anchor_inside_flags
from ...core.bbox import build_assigner
from ...core.utils import multi_apply, reduce_mean, unmap
from ...ops import deform_conv2d
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from ..utils import sigmoid_geometric_mean
from .anchor_head import sampled_targets
from .atss_head import ATSSHead


class TaskDecomposition(nn.Module):
    """One task's features from the concatenated interactive features: a 1x1 reduction conv whose input
    groups (one per interactive conv) are weighted by a layer attention computed from the pooled features.

    Args:
        feat_channels: Channels of each interactive feature (and of the output).
        stacked_convs: Number of interactive features.
        la_down_rate: Channel reduction of the layer attention's hidden layer.
        conv_cfg / norm_cfg: Reduction conv and norm configs.
    """

    def __init__(self, feat_channels: int, stacked_convs: int, la_down_rate: int = 8, conv_cfg=None,
                 norm_cfg=None):
        super().__init__()
        self.feat_channels, self.stacked_convs = feat_channels, stacked_convs
        self.in_channels = feat_channels * stacked_convs
        self.norm_cfg = norm_cfg
        hidden = self.in_channels // la_down_rate
        self.layer_attention = nn.Sequential(nn.Conv2d(self.in_channels, hidden, 1), nn.ReLU(inplace=True),
                                             nn.Conv2d(hidden, stacked_convs, 1, padding=0), nn.Sigmoid())
        self.reduction_conv = ConvModule(self.in_channels, feat_channels, 1, stride=1, padding=0,
                                         conv_cfg=conv_cfg, norm_cfg=norm_cfg, bias=norm_cfg is None)

    def init_weights(self) -> None:
        for m in self.layer_attention.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, std=0.001)
        normal_init(self.reduction_conv.conv, std=0.01)

    def forward(self, feat: torch.Tensor, avg_feat: torch.Tensor | None = None) -> torch.Tensor:
        b, _, h, w = feat.shape
        if avg_feat is None:
            avg_feat = F.adaptive_avg_pool2d(feat, (1, 1))
        attention = self.layer_attention(avg_feat).reshape(b, 1, self.stacked_convs, 1)
        # scale the conv weight per image instead of the (larger) features
        channels = self.feat_channels
        conv_weight = self.reduction_conv.conv.weight.reshape(1, channels, self.stacked_convs, channels)
        weight = (attention * conv_weight).reshape(b, self.feat_channels, self.in_channels)
        out = torch.bmm(weight, feat.reshape(b, self.in_channels, h * w))
        out = out.reshape(b, self.feat_channels, h, w)
        if self.reduction_conv.conv.bias is not None:  # without a norm (mmdet dropped this bias)
            out = out + self.reduction_conv.conv.bias.view(1, -1, 1, 1)
        if self.norm_cfg is not None:
            out = self.reduction_conv.norm(out)
        return self.reduction_conv.activate(out)


@HEADS.register_module()
class TOODHead(ATSSHead):
    """TOOD (Feng et al., 2021).

    ``stacked_convs`` shared convs (the first ``num_dcn`` modulated deformable) give interactive features;
    each task decomposes them (:class:`TaskDecomposition`). The class score is the geometric mean of the
    classifier's and a spatial probability map's sigmoids; boxes (decoded, in stride units; from distances to
    the anchor centre, or from anchor deltas with ``anchor_type='anchor_based'``) are resampled at learnt
    per-side offsets. For the first ``train_cfg.initial_epoch`` epochs, targets come from
    ``train_cfg.initial_assigner`` (ATSS) with ``initial_loss_cls``; later from ``TaskAlignedAssigner`` with
    the quality focal loss towards each positive's normalised alignment metric. The model's ``set_epoch``
    (``SetEpochInfoHook``) tells the head the epoch.

    Args:
        num_dcn: Deformable (DCNv2) convs among the interactive convs. Defaults to 0.
        anchor_type: ``'anchor_free'`` or ``'anchor_based'``.
        initial_loss_cls: Score loss of the initial epochs (on probabilities).
    """

    extra_train_cfg_keys = ('initial_epoch', 'initial_assigner', 'alpha', 'beta')

    def __init__(self, num_classes: int, in_channels: int, num_dcn: int = 0, anchor_type: str = 'anchor_free',
                 initial_loss_cls=dict(type='FocalLoss', use_sigmoid=True, activated=True, gamma=2.0,  # noqa: B006
                                       alpha=0.25, loss_weight=1.0),
                 **kwargs):
        if anchor_type not in ('anchor_free', 'anchor_based'):
            raise ValueError(f"TOODHead: anchor_type must be 'anchor_free' or 'anchor_based', got {anchor_type!r}")
        self.num_dcn, self.anchor_type = num_dcn, anchor_type
        self.epoch = 0  # set by the detector's set_epoch (SetEpochInfoHook)
        super().__init__(num_classes, in_channels, **kwargs)
        if self.train_cfg:
            self.initial_loss_cls = build_loss(initial_loss_cls)

    def _init_assigner_sampler(self, loss_cls: dict) -> None:
        super()._init_assigner_sampler(loss_cls)
        self.initial_epoch, self.alpha, self.beta = (self.train_cfg.initial_epoch, self.train_cfg.alpha,
                                                     self.train_cfg.beta)
        self.initial_assigner = self.assigner = build_assigner(self.train_cfg.initial_assigner)
        self.alignment_assigner = build_assigner(self.train_cfg.assigner)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.inter_convs = nn.ModuleList([
            ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels, 3, stride=1,
                       padding=1, conv_cfg=dict(type='DCNv2', deform_groups=4) if i < self.num_dcn else self.conv_cfg,
                       norm_cfg=self.norm_cfg) for i in range(self.stacked_convs)])
        self.cls_decomp, self.reg_decomp = (TaskDecomposition(self.feat_channels, self.stacked_convs,
                                                              self.stacked_convs * 8, self.conv_cfg, self.norm_cfg)
                                            for _ in range(2))
        self.tood_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 3, padding=1)
        self.tood_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 3, padding=1)
        all_channels, hidden = self.feat_channels * self.stacked_convs, self.feat_channels // 4
        self.cls_prob_module = nn.Sequential(nn.Conv2d(all_channels, hidden, 1), nn.ReLU(inplace=True),
                                             nn.Conv2d(hidden, 1, 3, padding=1))
        self.reg_offset_module = nn.Sequential(nn.Conv2d(all_channels, hidden, 1), nn.ReLU(inplace=True),
                                               nn.Conv2d(hidden, 4 * 2, 3, padding=1))
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.prior_generator.strides])

    def init_weights(self) -> None:
        """mmdet's TOOD init (``init_cfg`` is not used): N(0, 0.01) convs, N(0, 0.001) offset and attention
        convs, score biases at a 0.01 prior."""
        bias_cls = bias_init_with_prob(0.01)
        for module in self.inter_convs:
            normal_init(module.conv, std=0.01)
        for std, branch in ((0.01, self.cls_prob_module), (0.001, self.reg_offset_module)):
            for module in branch:
                if isinstance(module, nn.Conv2d):
                    normal_init(module, std=std)
        normal_init(self.cls_prob_module[-1], std=0.01, bias=bias_cls)
        self.cls_decomp.init_weights()
        self.reg_decomp.init_weights()
        normal_init(self.tood_cls, std=0.01, bias=bias_cls)
        normal_init(self.tood_reg, std=0.01)
        self._is_init = True

    def forward(self, feats):
        """Per level the class probabilities and the decoded boxes (stride units)."""
        return multi_apply(self.forward_single, feats, self.scales, list(range(len(feats))))

    def forward_single(self, x, scale, level: int):
        b, _, h, w = x.shape
        stride = self.prior_generator.strides[level][0]
        anchors = self.prior_generator.single_level_grid_priors((h, w), level, device=x.device)
        inter_feats = []
        for conv in self.inter_convs:
            x = conv(x)
            inter_feats.append(x)
        feat = torch.cat(inter_feats, 1)
        avg_feat = F.adaptive_avg_pool2d(feat, (1, 1))
        cls_feat, reg_feat = self.cls_decomp(feat, avg_feat), self.reg_decomp(feat, avg_feat)
        cls_score = sigmoid_geometric_mean(self.tood_cls(cls_feat), self.cls_prob_module(feat))
        if self.anchor_type == 'anchor_free':
            distances = scale(self.tood_reg(reg_feat).exp()).float().permute(0, 2, 3, 1).reshape(b, -1, 4)
            centres = (anchors[:, :2] + anchors[:, 2:]) / 2 / stride
            reg_bbox = torch.cat([centres - distances[..., :2], centres + distances[..., 2:]], dim=-1)
        else:
            deltas = scale(self.tood_reg(reg_feat)).float().permute(0, 2, 3, 1).reshape(-1, 4)
            reg_bbox = self.bbox_coder.decode(anchors.repeat(b, 1), deltas) / stride
        reg_bbox = reg_bbox.reshape(b, h, w, 4).permute(0, 3, 1, 2).contiguous()
        offsets = self.reg_offset_module(feat).to(reg_bbox.dtype)
        bbox_pred = self.deform_sampling(reg_bbox, offsets.contiguous())
        # resampling may swap a box's corners (a negative GIoU): keep the unsampled box there
        invalid = (bbox_pred[:, [0]] > bbox_pred[:, [2]]) | (bbox_pred[:, [1]] > bbox_pred[:, [3]])
        return cls_score, torch.where(invalid.expand_as(bbox_pred), reg_bbox, bbox_pred)

    @staticmethod
    def deform_sampling(feat: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        """Each channel of ``feat`` bilinearly sampled at its own ``(dy, dx)`` offset (a 1x1 depthwise deformable
        conv with unit weights)."""
        channels = feat.size(1)
        return deform_conv2d(feat, offset, feat.new_ones(channels, 1, 1, 1), 1, 0, 1, channels, channels)

    def _scores(self, cls_score):
        return cls_score  # already probabilities

    def _decode(self, priors, bbox_pred, img_shape, level: int):
        return bbox_pred * self.prior_generator.strides[level][0]

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` and ``loss_bbox`` over all levels (normalised by the alignment metrics' and the box
        weights' sums over all processes)."""
        num_imgs = len(img_metas)
        initial = self.epoch < self.initial_epoch
        strides = torch.cat([score.new_full((score.size(-2) * score.size(-1), ), stride[0])
                             for score, stride in zip(cls_scores, self.prior_generator.strides)])
        flat_scores = torch.cat([s.permute(0, 2, 3, 1).reshape(num_imgs, -1, self.cls_out_channels)
                                 for s in cls_scores], 1)
        flat_preds = torch.cat([p.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4) for p in bbox_preds], 1)
        targets = (self._initial_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore) if initial
                   else self._alignment_targets(cls_scores, flat_scores, flat_preds * strides[:, None], gt_bboxes,
                                                gt_labels, img_metas, gt_bboxes_ignore))
        anchors, labels, label_weights, bbox_targets, metrics = (t.flatten(0, 1) for t in targets)
        scores = flat_scores.reshape(-1, self.cls_out_channels)
        if initial:
            loss_cls = self.initial_loss_cls(scores, labels, label_weights, avg_factor=1.0)
        else:
            loss_cls = self.loss_cls(scores, (labels, metrics), label_weights, avg_factor=1.0)
        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        preds = flat_preds.reshape(-1, 4)
        if len(pos) > 0:
            weights = self.centerness_target(anchors[pos], bbox_targets[pos]) if initial else metrics[pos]
            loss_bbox = self.loss_bbox(preds[pos], bbox_targets[pos] / strides.repeat(num_imgs)[pos, None],
                                       weight=weights, avg_factor=1.0)
        else:
            loss_bbox, weights = preds.sum() * 0, preds.new_zeros(0)
        # tensors instead of mmdet's .item(): same values, no host synchronisation
        cls_avg_factor = reduce_mean(metrics.sum()).clamp_(min=1)
        bbox_avg_factor = reduce_mean(weights.sum()).clamp_(min=1)
        return dict(loss_cls=loss_cls / cls_avg_factor, loss_bbox=loss_bbox / bbox_avg_factor)

    def _initial_targets(self, cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore) -> tuple:
        """Per image ``(num_imgs, n, ...)``: anchors, labels, label weights, box targets (pixels) and the
        positives' indicator (as the metric), from the initial (ATSS) assigner."""
        all_anchors, targets = self._anchor_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            raise ValueError('TOODHead: an image has no anchor inside it (img_shape smaller than every anchor?)')
        labels, label_weights, bbox_targets, bbox_weights = (torch.cat(levels, 1) for levels in targets[:4])
        return torch.cat(all_anchors, 1), labels, label_weights, bbox_targets, bbox_weights[..., 0]

    def _alignment_targets(self, cls_scores, flat_scores, flat_boxes, gt_bboxes, gt_labels, img_metas,
                           gt_bboxes_ignore) -> tuple:
        """As :meth:`_initial_targets`, from ``TaskAlignedAssigner`` on the predictions; the metric of a positive
        is its alignment metric divided by the largest of its gt's positives, times their largest IoU."""
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        anchor_list, valid_list = self.get_anchors(featmap_sizes, img_metas, device=flat_scores.device)
        anchors = torch.cat(anchor_list[0])
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * len(img_metas)
        per_image = [self._alignment_targets_single(flat_scores[i], flat_boxes[i], anchors, torch.cat(valid_list[i]),
                                                    gt_bboxes[i], gt_bboxes_ignore[i], gt_labels[i], img_metas[i])
                     for i in range(len(img_metas))]
        return (anchors.expand(len(img_metas), -1, -1), ) + tuple(torch.stack(parts) for parts in zip(*per_image))

    def _alignment_targets_single(self, scores, boxes, anchors, valid, gt_bboxes, gt_bboxes_ignore, gt_labels,
                                  img_meta) -> tuple:
        inside = anchor_inside_flags(anchors, valid, img_meta['img_shape'][:2], self.train_cfg.allowed_border)
        if not inside.any():
            raise ValueError('TOODHead: an image has no anchor inside it (img_shape smaller than every anchor?)')
        inside_anchors = anchors[inside]
        result = self.alignment_assigner.assign(scores[inside], boxes[inside], inside_anchors, gt_bboxes,
                                                gt_bboxes_ignore, gt_labels, self.alpha, self.beta)
        sampling = self.sampler.sample(result, inside_anchors, gt_bboxes)
        labels, label_weights, bbox_targets, _ = sampled_targets(sampling, len(inside_anchors), gt_labels,
                                                                 self.num_classes, self.train_cfg.pos_weight)
        metrics = inside_anchors.new_zeros(len(inside_anchors))
        if len(sampling.pos_inds) > 0:
            gt_of_pos, num_gts = sampling.pos_assigned_gt_inds, len(gt_bboxes)
            pos_metrics, pos_ious = result.assign_metrics[sampling.pos_inds], result.max_overlaps[sampling.pos_inds]
            best_metric = pos_metrics.new_zeros(num_gts).scatter_reduce(0, gt_of_pos, pos_metrics, 'amax')
            best_iou = pos_ious.new_zeros(num_gts).scatter_reduce(0, gt_of_pos, pos_ious, 'amax', include_self=False)
            metrics[sampling.pos_inds] = pos_metrics / (best_metric[gt_of_pos] + 10e-8) * best_iou[gt_of_pos]
        total = len(anchors)
        return (unmap(labels, total, inside, fill=self.num_classes), unmap(label_weights, total, inside),
                unmap(bbox_targets, total, inside), unmap(metrics, total, inside))
