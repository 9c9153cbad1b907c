"""``ATSSHead``: RetinaNet-style towers with one anchor per point, a centerness branch and ATSS targets."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import Scale
from ...core.bbox import build_assigner, build_sampler
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import conv_towers, tower_features
from .anchor_head import AnchorHead


class ATSSAssignMixin:
    """Anchor heads trained with ``ATSSAssigner`` (which needs the anchors per level) and no sampling."""

    def _init_assigner_sampler(self, loss_cls: dict) -> None:
        self.assigner = build_assigner(self.train_cfg.assigner)
        self.sampling = False  # every anchor counts: positives from the assigner, the rest negatives
        self.sampler = build_sampler(dict(type='PseudoSampler'), context=self)

    def _assign(self, anchors, inside_flags, num_level_anchors: list, gt_bboxes, gt_bboxes_ignore, gt_labels):
        return self.assigner.assign(anchors, self.get_num_level_anchors_inside(num_level_anchors, inside_flags),
                                    gt_bboxes, gt_bboxes_ignore, gt_labels)

    @staticmethod
    def get_num_level_anchors_inside(num_level_anchors: list, inside_flags: torch.Tensor) -> list:
        """How many anchors of each level lie inside the image."""
        return [int(flags.sum()) for flags in torch.split(inside_flags, num_level_anchors)]

    def _level_targets(self, cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore):
        """Per level: anchors, labels, label weights and box targets of all images; and the number of positives
        (averaged over processes, at least 1). None when an image has no anchor inside."""
        all_anchors, targets = self._anchor_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        labels, label_weights, bbox_targets, _, num_pos, _ = targets
        # a tensor instead of mmdet's .item(): same value, no host synchronisation
        num_total_samples = reduce_mean(labels[0].new_tensor(num_pos, dtype=torch.float)).clamp(min=1.0)
        return all_anchors, labels, label_weights, bbox_targets, num_total_samples


@HEADS.register_module()
class ATSSHead(ATSSAssignMixin, AnchorHead):
    """ATSS (Zhang et al., 2020): anchors assigned by ``ATSSAssigner``, boxes regressed as decoded boxes
    (GIoU loss weighted by the centerness target), scores multiplied by the predicted centerness at test time.

    Args:
        pred_kernel_size: Kernel of the three predictors. Defaults to 3.
        stacked_convs: Convs per tower. Defaults to 4.
        conv_cfg / norm_cfg: Tower conv and norm (GN with 32 groups by default).
        reg_decoded_bbox: Defaults to True.
        loss_centerness: Centerness loss config.
    """

    def __init__(self, num_classes: int, in_channels: int, pred_kernel_size: int = 3, stacked_convs: int = 4,
                 conv_cfg=None, norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 reg_decoded_bbox: bool = True,
                 loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='atss_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.pred_kernel_size, self.stacked_convs = pred_kernel_size, stacked_convs
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        super().__init__(num_classes, in_channels, reg_decoded_bbox=reg_decoded_bbox, init_cfg=init_cfg, **kwargs)
        self.loss_centerness = build_loss(loss_centerness)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = conv_towers(self)
        padding = self.pred_kernel_size // 2
        for name, channels in (('atss_cls', self.cls_out_channels), ('atss_reg', 4), ('atss_centerness', 1)):
            setattr(self, name, nn.Conv2d(self.feat_channels, self.num_base_priors * channels, self.pred_kernel_size,
                                          padding=padding))
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.prior_generator.strides])

    def forward(self, feats):
        """Per level ``cls_score``, ``bbox_pred`` (deltas) and ``centerness`` logits."""
        return multi_apply(self.forward_single, feats, self.scales)

    def forward_single(self, x, scale):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.atss_cls(cls_feat), scale(self.atss_reg(reg_feat)).float(), self.atss_centerness(reg_feat)

    def loss_single(self, anchors, cls_score, bbox_pred, centerness, labels, label_weights, bbox_targets,
                    num_total_samples):
        """One level's ``loss_cls``, ``loss_bbox`` (not yet normalised), ``loss_centerness`` and the sum of
        its centerness targets."""
        anchors, bbox_targets = anchors.reshape(-1, 4), bbox_targets.reshape(-1, 4)
        cls_score = cls_score.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels).contiguous()
        bbox_pred = bbox_pred.permute(0, 2, 3, 1).reshape(-1, 4)
        centerness = centerness.permute(0, 2, 3, 1).reshape(-1)
        labels, label_weights = labels.reshape(-1), label_weights.reshape(-1)
        loss_cls = self.loss_cls(cls_score, labels, label_weights, avg_factor=num_total_samples)
        pos_inds = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        if len(pos_inds) == 0:
            return loss_cls, bbox_pred.sum() * 0, centerness.sum() * 0, bbox_targets.new_tensor(0.)
        pos_anchors, pos_targets = anchors[pos_inds], bbox_targets[pos_inds]
        centerness_targets = self.centerness_target(pos_anchors, pos_targets)
        loss_bbox = self.loss_bbox(self.bbox_coder.decode(pos_anchors, bbox_pred[pos_inds]), pos_targets,
                                   weight=centerness_targets, avg_factor=1.0)
        loss_centerness = self.loss_centerness(centerness[pos_inds], centerness_targets,
                                               avg_factor=num_total_samples)
        return loss_cls, loss_bbox, loss_centerness, centerness_targets.sum()

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'centernesses'))
    def loss(self, cls_scores, bbox_preds, centernesses, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """Per level ``loss_cls``, ``loss_bbox`` (normalised by all centerness targets) and ``loss_centerness``."""
        targets = self._level_targets(cls_scores, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore)
        if targets is None:
            return None
        all_anchors, labels, label_weights, bbox_targets, num_total_samples = targets
        losses_cls, losses_bbox, losses_centerness, centerness_sums = multi_apply(
            self.loss_single, all_anchors, cls_scores, bbox_preds, centernesses, labels, label_weights, bbox_targets,
            num_total_samples=num_total_samples)
        bbox_avg_factor = reduce_mean(sum(centerness_sums)).clamp_(min=1)
        return dict(loss_cls=losses_cls, loss_bbox=[loss / bbox_avg_factor for loss in losses_bbox],
                    loss_centerness=losses_centerness)

    def centerness_target(self, anchors: torch.Tensor, gts: torch.Tensor) -> torch.Tensor:
        """``sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))`` of the anchor centres in their gt boxes."""
        cx, cy = (anchors[:, 2] + anchors[:, 0]) / 2, (anchors[:, 3] + anchors[:, 1]) / 2
        left_right = torch.stack([cx - gts[:, 0], gts[:, 2] - cx], dim=1)
        top_bottom = torch.stack([cy - gts[:, 1], gts[:, 3] - cy], dim=1)
        return torch.sqrt((left_right.min(dim=-1)[0] / left_right.max(dim=-1)[0]) *
                          (top_bottom.min(dim=-1)[0] / top_bottom.max(dim=-1)[0]))
