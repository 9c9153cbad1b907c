"""``FCOSHead``: per-point classification, side distances and centerness (FCOS)."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn

from ...cnn import Scale
from ...core.utils import multi_apply, reduce_mean
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import AnchorFreeHead

INF = 1e8


@HEADS.register_module()
class FCOSHead(AnchorFreeHead):
    """FCOS (Tian et al., 2019): each point inside a box regresses its distances to the box's sides.

    A point is assigned the smallest box that contains it (or, with ``center_sampling``, whose centre
    region of ``center_sample_radius`` strides contains it) and whose largest side distance falls in the
    level's ``regress_ranges``. Scores are multiplied by the predicted centerness at test time.

    Args:
        regress_ranges: Side-distance range of each level.
        center_sampling / center_sample_radius: Positives only near box centres.
        norm_on_bbox: Distances in units of the level's stride (ReLU instead of exp).
        centerness_on_reg: Centerness from the regression tower instead of the classification one.
        loss_centerness: Centerness loss config.
        norm_cfg: Tower norm. Defaults to GN with 32 groups.
    """

    def __init__(self, num_classes: int, in_channels: int,
                 regress_ranges=((-1, 64), (64, 128), (128, 256), (256, 512), (512, INF)),
                 center_sampling: bool = False, center_sample_radius: float = 1.5, norm_on_bbox: bool = False,
                 centerness_on_reg: bool = False,
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox=dict(type='IoULoss', loss_weight=1.0),  # noqa: B006
                 loss_centerness=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),  # noqa: B006
                 norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.regress_ranges = regress_ranges
        self.center_sampling, self.center_sample_radius = center_sampling, center_sample_radius
        self.norm_on_bbox, self.centerness_on_reg = norm_on_bbox, centerness_on_reg
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, loss_bbox=loss_bbox, norm_cfg=norm_cfg,
                         init_cfg=init_cfg, **kwargs)
        if len(regress_ranges) != len(self.strides):
            raise ValueError(f'FCOSHead: {len(regress_ranges)} regress_ranges for {len(self.strides)} strides')
        if self.train_cfg:
            warnings.warn(f'model.train_cfg keys {sorted(self.train_cfg)} are not used by FCOSHead (nor by mmdet '
                          '2.x): its targets come from regress_ranges and center_sampling')
        self.loss_centerness = build_loss(loss_centerness)

    def _init_layers(self) -> None:
        super()._init_layers()
        self.conv_centerness = nn.Conv2d(self.feat_channels, 1, 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in self.strides])

    def forward(self, feats):
        """Per level ``cls_score``, ``bbox_pred`` (side distances) and ``centerness`` logits."""
        return multi_apply(self.forward_single, feats, self.scales, self.strides)

    def forward_single(self, x, scale, stride):
        cls_score, bbox_pred, cls_feat, reg_feat = super().forward_single(x)
        centerness = self.conv_centerness(reg_feat if self.centerness_on_reg else cls_feat)
        bbox_pred = scale(bbox_pred).float()
        if not self.norm_on_bbox:
            return cls_score, bbox_pred.exp(), centerness
        bbox_pred = bbox_pred.clamp(min=0)
        return cls_score, bbox_pred if self.training else bbox_pred * stride, centerness

    @force_fp32(apply_to=('cls_scores', 'bbox_preds', 'centernesses'))
    def loss(self, cls_scores, bbox_preds, centernesses, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` (over all points), ``loss_bbox`` (centerness-weighted) and ``loss_centerness``."""
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        points = self.prior_generator.grid_priors(featmap_sizes, dtype=bbox_preds[0].dtype,
                                                  device=bbox_preds[0].device)
        labels, bbox_targets = self.get_targets(points, gt_bboxes, gt_labels)
        num_imgs = cls_scores[0].size(0)
        flat_scores = torch.cat([s.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels) for s in cls_scores])
        flat_preds = torch.cat([p.permute(0, 2, 3, 1).reshape(-1, 4) for p in bbox_preds])
        flat_centerness = torch.cat([c.permute(0, 2, 3, 1).reshape(-1) for c in centernesses])
        flat_labels, flat_targets = torch.cat(labels), torch.cat(bbox_targets)
        flat_points = torch.cat([level.repeat(num_imgs, 1) for level in points])
        pos_inds = ((flat_labels >= 0) & (flat_labels < self.num_classes)).nonzero().reshape(-1)
        num_pos = max(reduce_mean(flat_scores.new_tensor(len(pos_inds))), 1.0)
        loss_cls = self.loss_cls(flat_scores, flat_labels, avg_factor=num_pos)
        pos_preds, pos_centerness = flat_preds[pos_inds], flat_centerness[pos_inds]
        pos_targets = flat_targets[pos_inds]
        centerness_targets = self.centerness_target(pos_targets)
        centerness_denorm = max(reduce_mean(centerness_targets.sum().detach()), 1e-6)
        if len(pos_inds) == 0:
            return dict(loss_cls=loss_cls, loss_bbox=pos_preds.sum(), loss_centerness=pos_centerness.sum())
        pos_points = flat_points[pos_inds]
        loss_bbox = self.loss_bbox(self.bbox_coder.decode(pos_points, pos_preds),
                                   self.bbox_coder.decode(pos_points, pos_targets), weight=centerness_targets,
                                   avg_factor=centerness_denorm)
        loss_centerness = self.loss_centerness(pos_centerness, centerness_targets, avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_centerness=loss_centerness)

    def get_targets(self, points, gt_bboxes_list, gt_labels_list) -> tuple[list, list]:
        """Per level, the labels (``num_classes`` for background) and side-distance targets of the points
        of all images (image-major within each level)."""
        num_levels = len(points)
        ranges = torch.cat([level.new_tensor(self.regress_ranges[i])[None].expand_as(level)
                            for i, level in enumerate(points)])
        num_points = [level.size(0) for level in points]
        labels_list, targets_list = multi_apply(self._get_target_single, gt_bboxes_list, gt_labels_list,
                                                points=torch.cat(points), regress_ranges=ranges,
                                                num_points_per_lvl=num_points)
        labels_list = [labels.split(num_points, 0) for labels in labels_list]
        targets_list = [targets.split(num_points, 0) for targets in targets_list]
        level_labels = [torch.cat([labels[i] for labels in labels_list]) for i in range(num_levels)]
        level_targets = []
        for i in range(num_levels):
            targets = torch.cat([targets[i] for targets in targets_list])
            level_targets.append(targets / self.strides[i] if self.norm_on_bbox else targets)
        return level_labels, level_targets

    def _get_target_single(self, gt_bboxes, gt_labels, points, regress_ranges, num_points_per_lvl):
        num_points, num_gts = points.size(0), gt_labels.size(0)
        if num_gts == 0:
            return gt_labels.new_full((num_points, ), self.num_classes), gt_bboxes.new_zeros((num_points, 4))
        areas = ((gt_bboxes[:, 2] - gt_bboxes[:, 0]) * (gt_bboxes[:, 3] - gt_bboxes[:, 1]))[None].repeat(num_points, 1)
        regress_ranges = regress_ranges[:, None, :].expand(num_points, num_gts, 2)
        gt_bboxes = gt_bboxes[None].expand(num_points, num_gts, 4)
        xs = points[:, 0, None].expand(num_points, num_gts)
        ys = points[:, 1, None].expand(num_points, num_gts)
        bbox_targets = torch.stack((xs - gt_bboxes[..., 0], ys - gt_bboxes[..., 1], gt_bboxes[..., 2] - xs,
                                    gt_bboxes[..., 3] - ys), -1)
        if self.center_sampling:
            inside = self._center_distances(gt_bboxes, xs, ys, num_points_per_lvl).min(-1)[0] > 0
        else:
            inside = bbox_targets.min(-1)[0] > 0
        max_distance = bbox_targets.max(-1)[0]
        in_range = (max_distance >= regress_ranges[..., 0]) & (max_distance <= regress_ranges[..., 1])
        areas[~inside] = INF
        areas[~in_range] = INF
        min_area, min_area_inds = areas.min(dim=1)
        labels = gt_labels[min_area_inds]
        labels[min_area == INF] = self.num_classes
        return labels, bbox_targets[range(num_points), min_area_inds]

    def _center_distances(self, gt_bboxes, xs, ys, num_points_per_lvl):
        """Side distances of each point to each box's centre region (``radius`` strides around the centre,
        cut to the box)."""
        center_xs = (gt_bboxes[..., 0] + gt_bboxes[..., 2]) / 2
        center_ys = (gt_bboxes[..., 1] + gt_bboxes[..., 3]) / 2
        radius = torch.cat([center_xs.new_full((n, ), self.strides[i] * self.center_sample_radius)
                            for i, n in enumerate(num_points_per_lvl)])[:, None]
        x1 = torch.maximum(center_xs - radius, gt_bboxes[..., 0])
        y1 = torch.maximum(center_ys - radius, gt_bboxes[..., 1])
        x2 = torch.minimum(center_xs + radius, gt_bboxes[..., 2])
        y2 = torch.minimum(center_ys + radius, gt_bboxes[..., 3])
        return torch.stack((xs - x1, ys - y1, x2 - xs, y2 - ys), -1)

    def centerness_target(self, pos_bbox_targets: torch.Tensor) -> torch.Tensor:
        """``sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))`` of each positive's side distances."""
        left_right, top_bottom = pos_bbox_targets[:, [0, 2]], pos_bbox_targets[:, [1, 3]]
        if len(left_right) == 0:
            return left_right[..., 0]
        return torch.sqrt(left_right.min(dim=-1)[0] / left_right.max(dim=-1)[0] *
                          (top_bottom.min(dim=-1)[0] / top_bottom.max(dim=-1)[0]))
