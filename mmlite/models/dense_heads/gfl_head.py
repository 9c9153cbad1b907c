"""``GFLHead``: Generalized Focal Loss head (quality-aware scores, side distances as distributions)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import Scale
from ...core.bbox import bbox_overlaps
from ...core.utils import filter_scores_and_topk, multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import conv_towers, tower_features
from .anchor_head import AnchorHead
from .atss_head import ATSSAssignMixin


class Integral(nn.Module):
    """The expected value of each side's distribution over the bins ``0 .. reg_max``."""

    def __init__(self, reg_max: int = 16):
        super().__init__()
        self.reg_max = reg_max
        self.register_buffer('project', torch.linspace(0, self.reg_max, self.reg_max + 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., 4 * (reg_max + 1))`` logits -> ``(n, 4)`` distances (in strides)."""
        x = F.softmax(x.reshape(-1, self.reg_max + 1), dim=1)
        return F.linear(x, self.project.type_as(x)).reshape(-1, 4)


@HEADS.register_module()
class GFLHead(ATSSAssignMixin, AnchorHead):
    """GFL (Li et al., 2020): ATSS-assigned anchors (one per point); the classification score is trained to
    the IoU of the predicted box (``QualityFocalLoss``) and each side distance is a distribution over
    ``reg_max + 1`` bins (``DistributionFocalLoss`` plus a GIoU loss on the expected box).

    Args:
        stacked_convs / conv_cfg / norm_cfg: Towers (GN with 32 groups by default).
        loss_dfl: Distribution loss config.
        bbox_coder: Defaults to ``DistancePointBBoxCoder``.
        reg_max: Largest distance bin, in strides. Defaults to 16.
    """

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, conv_cfg=None,
                 norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.25),  # noqa: B006
                 bbox_coder=dict(type='DistancePointBBoxCoder'),  # noqa: B006
                 reg_max: int = 16,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='gfl_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.stacked_convs, self.conv_cfg, self.norm_cfg, self.reg_max = stacked_convs, conv_cfg, norm_cfg, reg_max
        # the targets are always the gt boxes themselves (mmdet ignores reg_decoded_bbox here too)
        kwargs['reg_decoded_bbox'] = True
        super().__init__(num_classes, in_channels, bbox_coder=bbox_coder, init_cfg=init_cfg, **kwargs)
        if self.num_base_priors != 1:
            raise ValueError(f'GFLHead needs one anchor per position, the anchor_generator gives '
                             f'{self.num_base_priors}: use ratios=[1.0] and scales_per_octave=1')
        self.integral = Integral(self.reg_max)
        self.loss_dfl = build_loss(loss_dfl)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = conv_towers(self)
        self.gfl_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
        self.gfl_reg = nn.Conv2d(self.feat_channels, 4 * (self.reg_max + 1), 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.prior_generator.strides])

    def forward(self, feats):
        """Per level ``cls_score`` and ``bbox_pred`` (4 distributions of ``reg_max + 1`` logits)."""
        return multi_apply(self.forward_single, feats, self.scales)

    def forward_single(self, x, scale):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.gfl_cls(cls_feat), scale(self.gfl_reg(reg_feat)).float()

    @staticmethod
    def anchor_center(anchors: torch.Tensor) -> torch.Tensor:
        """``(..., 2)`` centres of ``(..., 4)`` anchors."""
        return torch.stack([(anchors[..., 2] + anchors[..., 0]) / 2, (anchors[..., 3] + anchors[..., 1]) / 2], -1)

    def loss_single(self, anchors, cls_score, bbox_pred, labels, label_weights, bbox_targets, stride,
                    num_total_samples):
        """One level's ``loss_cls``, ``loss_bbox`` and ``loss_dfl`` (the last two not yet normalised) and the
        sum of the positives' weights."""
        if stride[0] != stride[1]:
            raise ValueError(f'GFLHead needs square strides, got {stride}')
        anchors, bbox_targets = anchors.reshape(-1, 4), bbox_targets.reshape(-1, 4)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels)
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4 * (self.reg_max + 1))
        labels, label_weights = labels.reshape(-1), label_weights.reshape(-1)
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        quality = label_weights.new_zeros(labels.shape)
        if len(pos_inds) > 0:
            pos_pred = bbox_pred[pos_inds]
            centers = self.anchor_center(anchors[pos_inds]) / stride[0]
            weight_targets = cls_score.detach().sigmoid().max(dim=1)[0][pos_inds]
            decoded_pred = self.bbox_coder.decode(centers, self.integral(pos_pred))
            decoded_targets = bbox_targets[pos_inds] / stride[0]
            quality[pos_inds] = bbox_overlaps(decoded_pred.detach(), decoded_targets, is_aligned=True)
            target_corners = self.bbox_coder.encode(centers, decoded_targets, self.reg_max).reshape(-1)
            loss_bbox = self.loss_bbox(decoded_pred, decoded_targets, weight=weight_targets, avg_factor=1.0)
            loss_dfl = self.loss_dfl(pos_pred.reshape(-1, self.reg_max + 1), target_corners,
                                     weight=weight_targets[:, None].expand(-1, 4).reshape(-1), avg_factor=4.0)
        else:
            loss_bbox = loss_dfl = bbox_pred.sum() * 0
            weight_targets = bbox_pred.new_tensor(0)
        loss_cls = self.loss_cls(cls_score, (labels, quality), weight=label_weights, avg_factor=num_total_samples)
        return loss_cls, loss_bbox, loss_dfl, weight_targets.sum()

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls``, ``loss_bbox`` and ``loss_dfl`` (the last two normalised by all positives'
        weights)."""
        targets = self._level_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        all_anchors, labels, label_weights, bbox_targets, num_total_samples = targets
        losses_cls, losses_bbox, losses_dfl, weight_sums = multi_apply(
            self.loss_single, all_anchors, cls_scores, bbox_preds, labels, label_weights, bbox_targets,
            self.prior_generator.strides, num_total_samples=num_total_samples)
        avg_factor = reduce_mean(sum(weight_sums)).clamp_(min=1)
        return dict(loss_cls=losses_cls, loss_bbox=[loss / avg_factor for loss in losses_bbox],
                    loss_dfl=[loss / avg_factor for loss in losses_dfl])

    def _get_bboxes_single(self, cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta, cfg,
                           rescale=False, with_nms=True, **kwargs):
        cfg = self.test_cfg if cfg is None else cfg
        mlvl_bboxes, mlvl_scores, mlvl_labels = [], [], []
        for cls_score, bbox_pred, stride, priors in zip(cls_score_list, bbox_pred_list,
                                                        self.prior_generator.strides, mlvl_priors):
            distances = self.integral(bbox_pred.permute(1, 2, 0)) * stride[0]
            scores = cls_score.permute(1, 2, 0).reshape(-1, self.cls_out_channels).sigmoid()
            scores, labels, _, kept = filter_scores_and_topk(scores, cfg.score_thr, cfg.get('nms_pre', -1),
                                                             dict(bbox_pred=distances, priors=priors))
            mlvl_bboxes.append(self.bbox_coder.decode(self.anchor_center(kept['priors']), kept['bbox_pred'],
                                                      max_shape=img_meta['img_shape']))
            mlvl_scores.append(scores)
            mlvl_labels.append(labels)
        return self._bbox_post_process(mlvl_scores, mlvl_labels, mlvl_bboxes, img_meta['scale_factor'], cfg,
                                       rescale=rescale, with_nms=with_nms)
