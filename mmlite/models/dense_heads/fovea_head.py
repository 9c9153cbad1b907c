"""``FoveaHead``: FoveaBox's per-level object-size ranges and fovea (box-centre) positives."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule
from ...runner import force_fp32
from ..builder import HEADS
from .anchor_free_head import AnchorFreeHead, conv_tower
from .guided_anchor_head import FeatureAdaption


class FeatureAlign(FeatureAdaption):
    """FoveaBox's feature alignment: a deformable conv whose offsets come (through a 1x1 conv, with gradient)
    from the predicted box distances."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, deform_groups: int = 4, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, deform_groups, shape_channels=4, detach_shape=False,
                         **kwargs)


@HEADS.register_module()
class FoveaHead(AnchorFreeHead):
    """FoveaBox (Kong et al., 2020).

    Level ``i`` learns the objects whose ``sqrt(area)`` lies in ``scale_ranges[i]``; the positives of an
    object are the points of its fovea, the central ``sigma`` fraction of the box (smaller objects win
    where foveae overlap). Each positive regresses ``log`` of its distances to the box's sides in units of
    the level's ``base_edge_list[i]`` (clamped to [1/16, 16]). With ``with_deform``, the classification
    branch first passes a deformable conv whose offsets come from the predicted box.

    Args:
        base_edge_list: Distance unit of each level.
        scale_ranges: ``(low, high)`` object sizes of each level.
        sigma: Fovea size (fraction of the half width/height). Defaults to 0.4.
        with_deform / deform_groups: The aligned classification branch.
    """

    required_train_cfg_keys = ()  # targets come from scale_ranges and sigma: mmdet's configs give train_cfg={}

    def __init__(self, num_classes: int, in_channels: int, base_edge_list=(16, 32, 64, 128, 256),
                 scale_ranges=((8, 32), (16, 64), (32, 128), (64, 256), (128, 512)), sigma: float = 0.4,
                 with_deform: bool = False, deform_groups: int = 4,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='conv_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.base_edge_list, self.scale_ranges, self.sigma = base_edge_list, scale_ranges, sigma
        self.with_deform, self.deform_groups = with_deform, deform_groups
        super().__init__(num_classes, in_channels, init_cfg=init_cfg, **kwargs)
        if not len(base_edge_list) == len(scale_ranges) == len(self.strides):
            raise ValueError(f'FoveaHead: base_edge_list ({len(base_edge_list)}), scale_ranges '
                             f'({len(scale_ranges)}) and strides ({len(self.strides)}) need one entry per level')

    def _init_layers(self) -> None:
        self.reg_convs = conv_tower(self.in_channels, self.feat_channels, self.stacked_convs, self.conv_cfg,
                                    self.norm_cfg, self.conv_bias)
        self.conv_reg = nn.Conv2d(self.feat_channels, 4, 3, padding=1)
        if not self.with_deform:
            self.cls_convs = conv_tower(self.in_channels, self.feat_channels, self.stacked_convs, self.conv_cfg,
                                        self.norm_cfg, self.conv_bias)
            self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
            return
        wide = self.feat_channels * 4
        conv_args = dict(stride=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, bias=self.norm_cfg is None)
        self.cls_convs = nn.ModuleList([ConvModule(self.feat_channels, wide, 3, padding=1, **conv_args),
                                        ConvModule(wide, wide, 1, padding=0, **conv_args)])
        self.feature_adaption = FeatureAlign(self.feat_channels, self.feat_channels, kernel_size=3,
                                             deform_groups=self.deform_groups)
        self.conv_cls = nn.Conv2d(wide, self.cls_out_channels, 3, padding=1)

    def forward_single(self, x):
        reg_feat = x
        for conv in self.reg_convs:
            reg_feat = conv(reg_feat)
        bbox_pred = self.conv_reg(reg_feat)
        cls_feat = self.feature_adaption(x, bbox_pred.exp()) if self.with_deform else x
        for conv in self.cls_convs:
            cls_feat = conv(cls_feat)
        return self.conv_cls(cls_feat), bbox_pred

    @force_fp32(apply_to=('cls_scores', 'bbox_preds'))
    def loss(self, cls_scores, bbox_preds, gt_bboxes, gt_labels, img_metas, gt_bboxes_ignore=None) -> dict:
        """``loss_cls`` over all points (averaged over positives + images) and ``loss_bbox`` over positives."""
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        points = self.prior_generator.grid_priors(featmap_sizes, dtype=bbox_preds[0].dtype,
                                                  device=bbox_preds[0].device)
        flat_scores = torch.cat([s.permute(0, 2, 3, 1).reshape(-1, self.cls_out_channels) for s in cls_scores])
        flat_preds = torch.cat([p.permute(0, 2, 3, 1).reshape(-1, 4) for p in bbox_preds])
        flat_labels, flat_targets = self.get_targets(gt_bboxes, gt_labels, featmap_sizes, points)
        pos_inds = ((flat_labels >= 0) & (flat_labels < self.num_classes)).nonzero().view(-1)
        num_pos = len(pos_inds)
        loss_cls = self.loss_cls(flat_scores, flat_labels, avg_factor=num_pos + cls_scores[0].size(0))
        pos_preds = flat_preds[pos_inds]
        if num_pos == 0:
            return dict(loss_cls=loss_cls, loss_bbox=pos_preds.sum())
        loss_bbox = self.loss_bbox(pos_preds, flat_targets[pos_inds], torch.ones_like(pos_preds), avg_factor=num_pos)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox)

    def get_targets(self, gt_bbox_list, gt_label_list, featmap_sizes, points) -> tuple:
        """Labels (``num_classes`` for background) and log side-distance targets of every point, level by
        level, image-major within a level (as the flattened predictions)."""
        labels, targets = [], []
        for level, (size, level_points) in enumerate(zip(featmap_sizes, points)):
            for gt_bboxes, gt_labels in zip(gt_bbox_list, gt_label_list):
                level_labels, level_targets = self._level_targets(level, gt_bboxes, gt_labels, size, level_points)
                labels.append(level_labels)
                targets.append(level_targets)
        return torch.cat(labels), torch.cat(targets)

    def _level_targets(self, level: int, gt_bboxes, gt_labels, featmap_size, points) -> tuple:
        """One image's targets on one level: each point takes the smallest in-range object whose fovea
        covers it."""
        height, width = featmap_size
        labels = gt_labels.new_full((height * width, ), self.num_classes)
        targets = gt_bboxes.new_ones((height * width, 4))
        sizes = ((gt_bboxes[:, 2] - gt_bboxes[:, 0]) * (gt_bboxes[:, 3] - gt_bboxes[:, 1])).sqrt()
        low, high = self.scale_ranges[level]
        hit = ((sizes >= low) & (sizes <= high)).nonzero().flatten()
        if len(hit):
            hit = hit[torch.sort(-sizes[hit])[1]]  # largest first: smaller objects overwrite them
            covered = self._fovea_cover(gt_bboxes[hit] / self.strides[level], height, width)
            winner = (covered * torch.arange(1, len(hit) + 1, device=covered.device)).argmax(1)
            painted = covered.any(1)
            chosen = hit[winner[painted]]
            labels[painted] = gt_labels[chosen]
            boxes, xy = gt_bboxes[chosen], points[painted]
            targets[painted] = torch.cat([xy - boxes[:, :2], boxes[:, 2:] - xy], 1) / self.base_edge_list[level]
        return labels, targets.clamp(min=1. / 16, max=16.).log()

    def _fovea_cover(self, boxes, height: int, width: int) -> torch.Tensor:
        """``(height * width, n)``: whether each feature-map cell lies in each box's fovea (boxes in cells)."""
        half_w, half_h = 0.5 * (boxes[:, 2] - boxes[:, 0]), 0.5 * (boxes[:, 3] - boxes[:, 1])
        left = torch.ceil(boxes[:, 0] + (1 - self.sigma) * half_w - 0.5).long().clamp(0, width - 1)
        right = torch.floor(boxes[:, 0] + (1 + self.sigma) * half_w - 0.5).long().clamp(0, width - 1)
        top = torch.ceil(boxes[:, 1] + (1 - self.sigma) * half_h - 0.5).long().clamp(0, height - 1)
        bottom = torch.floor(boxes[:, 1] + (1 + self.sigma) * half_h - 0.5).long().clamp(0, height - 1)
        ys = torch.arange(height, device=boxes.device)[:, None, None]
        xs = torch.arange(width, device=boxes.device)[None, :, None]
        covered = (ys >= top) & (ys <= bottom) & (xs >= left) & (xs <= right)
        return covered.reshape(height * width, -1)

    def _decode(self, priors, bbox_pred, img_shape, level: int):
        """Boxes from log side distances in units of the level's base edge, clipped to the image."""
        distances = bbox_pred.exp() * self.base_edge_list[level]
        height, width = img_shape[:2]
        x1y1 = priors[:, :2] - distances[:, :2]
        x2y2 = priors[:, :2] + distances[:, 2:]
        boxes = torch.cat([x1y1, x2y2], 1)
        limits = boxes.new_tensor([width - 1, height - 1, width - 1, height - 1])
        return torch.minimum(boxes.clamp(min=0), limits)
