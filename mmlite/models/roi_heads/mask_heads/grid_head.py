"""``GridHead``: Grid R-CNN's grid-point heatmaps, fused along the grid's edges, that locate box borders."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ....cnn import ConvModule
from ....runner import BaseModule
from ...builder import HEADS, build_loss


def _transition(channels: int) -> nn.Sequential:
    """A depthwise 5x5 then pointwise conv carrying one point's features to a neighbour."""
    return nn.Sequential(nn.Conv2d(channels, channels, 5, stride=1, padding=2, groups=channels),
                         nn.Conv2d(channels, channels, 1))


@HEADS.register_module()
class GridHead(BaseModule):
    """Grid R-CNN (Lu et al., 2019; "Plus" sub-regions): ``grid_points`` (a square, at least 4) points on each
    RoI, point ``i`` at column ``i // grid_size``, row ``i % grid_size``. ``num_convs`` convs (the first strided)
    give one ``point_feat_channels`` group per point; each group adds its grid neighbours' features, transformed
    once (first order) and twice (second order); two grouped deconvs give one heatmap per point over its own
    sub-region (half of the RoI's extended map). Boxes: each border is the score-weighted mean of its points'
    heatmap maxima.

    Args:
        grid_points: Points per RoI. Defaults to 9. roi_feat_size: Input RoI size (square). Defaults to 14.
        num_convs / conv_kernel_size / point_feat_channels: The conv trunk. Defaults to 8 / 3 / 64.
        deconv_kernel_size: Defaults to 4. class_agnostic: Kept for mmdet compatibility.
        loss_grid: Heatmap loss (sigmoid cross entropy, weight 15).
        conv_cfg / norm_cfg: Trunk conv and norm (GN with 36 groups).
    """

    def __init__(self, grid_points: int = 9, num_convs: int = 8, roi_feat_size: int = 14, in_channels: int = 256,
                 conv_kernel_size: int = 3, point_feat_channels: int = 64, deconv_kernel_size: int = 4,
                 class_agnostic: bool = False,
                 loss_grid=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=15),  # noqa: B006
                 conv_cfg=None, norm_cfg=dict(type='GN', num_groups=36),  # noqa: B006
                 init_cfg=[dict(type='Kaiming', layer=['Conv2d', 'Linear']),  # noqa: B006
                           dict(type='Normal', layer='ConvTranspose2d', std=0.001,
                                override=dict(type='Normal', name='deconv2', std=0.001, bias=-math.log(0.99 / 0.01)))]):
        super().__init__(init_cfg)
        self.grid_size = math.isqrt(grid_points)
        if grid_points < 4 or self.grid_size ** 2 != grid_points:
            raise ValueError(f'GridHead: grid_points must be a square number of at least 4, got {grid_points}')
        if not isinstance(roi_feat_size, int):
            raise ValueError(f'GridHead: roi_feat_size must be an int (square RoIs), got {roi_feat_size!r}')
        self.grid_points, self.num_convs, self.roi_feat_size = grid_points, num_convs, roi_feat_size
        self.in_channels, self.point_feat_channels = in_channels, point_feat_channels
        self.conv_out_channels = point_feat_channels * grid_points
        if isinstance(norm_cfg, dict) and norm_cfg['type'] == 'GN' and self.conv_out_channels % norm_cfg['num_groups']:
            raise ValueError(f'GridHead: {self.conv_out_channels} channels (point_feat_channels x grid_points) are not '
                             f"divisible into norm_cfg.num_groups={norm_cfg['num_groups']}")
        self.class_agnostic, self.conv_cfg, self.norm_cfg = class_agnostic, conv_cfg, norm_cfg
        self.whole_map_size = roi_feat_size * 4
        self.sub_regions = self.calc_sub_regions()
        self.convs = nn.Sequential(*[
            ConvModule(in_channels if i == 0 else self.conv_out_channels, self.conv_out_channels, conv_kernel_size,
                       stride=2 if i == 0 else 1, padding=(conv_kernel_size - 1) // 2, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, bias=True) for i in range(num_convs)])
        deconv = dict(kernel_size=deconv_kernel_size, stride=2, padding=(deconv_kernel_size - 2) // 2,
                      groups=grid_points)
        self.deconv1 = nn.ConvTranspose2d(self.conv_out_channels, self.conv_out_channels, **deconv)
        self.norm1 = nn.GroupNorm(grid_points, self.conv_out_channels)
        self.deconv2 = nn.ConvTranspose2d(self.conv_out_channels, grid_points, **deconv)
        self.neighbor_points = [self._neighbours(i) for i in range(grid_points)]
        self.num_edges = sum(len(points) for points in self.neighbor_points)
        self.forder_trans = nn.ModuleList([nn.ModuleList([_transition(point_feat_channels) for _ in points])
                                           for points in self.neighbor_points])
        self.sorder_trans = nn.ModuleList([nn.ModuleList([_transition(point_feat_channels) for _ in points])
                                           for points in self.neighbor_points])
        self.loss_grid = build_loss(loss_grid)

    def _neighbours(self, point: int) -> tuple:
        """The left, upper, lower and right neighbours of ``point`` (those inside the grid), in that order."""
        size, (column, row) = self.grid_size, divmod(point, self.grid_size)
        candidates = ((column > 0, point - size), (row > 0, point - 1), (row < size - 1, point + 1),
                      (column < size - 1, point + size))
        return tuple(index for inside, index in candidates if inside)

    def forward(self, x: torch.Tensor) -> dict:
        """``fused`` heatmaps ``(n, grid_points, 2 * roi_feat_size, same)`` (and in training the ``unfused``
        ones, from the trunk features alone)."""
        if not x.shape[-1] == x.shape[-2] == self.roi_feat_size:
            raise ValueError(f'GridHead expects {self.roi_feat_size}x{self.roi_feat_size} RoI features, got '
                             f'{tuple(x.shape[-2:])}')
        x = self.convs(x)
        groups = list(x.split(self.point_feat_channels, dim=1))
        first = self._pass_messages(groups, groups, self.forder_trans)
        second = self._pass_messages(groups, first, self.sorder_trans)
        heatmap = self._heatmaps(torch.cat(second, dim=1))
        return dict(fused=heatmap, unfused=self._heatmaps(x) if self.training else heatmap)

    def _pass_messages(self, own: list, sources: list, transitions: nn.ModuleList) -> list:
        """Per point: its own features plus each neighbour's ``sources`` features through its transition (added
        in neighbour order, as mmdet)."""
        out = []
        for i, points in enumerate(self.neighbor_points):
            feat = own[i]
            for trans, j in zip(transitions[i], points):
                feat = feat + trans(sources[j])
            out.append(feat)
        return out

    def _heatmaps(self, x):
        return self.deconv2(F.relu(self.norm1(self.deconv1(x)), inplace=True))

    def calc_sub_regions(self) -> list:
        """Per point, its ``(x1, y1, x2, y2)`` sub-region (half the extended map) of the whole RoI map."""
        half = self.whole_map_size // 4 * 2
        last = self.grid_size - 1

        def start(index):
            if index == 0:
                return 0
            if index == last:
                return half
            return max(int((index / last - 0.25) * self.whole_map_size), 0)

        regions = []
        for i in range(self.grid_points):
            x1, y1 = start(i // self.grid_size), start(i % self.grid_size)
            regions.append((x1, y1, x1 + half, y1 + half))
        return regions

    def _point_factors(self, device) -> torch.Tensor:
        """Per point ``(fx, fy)``: its position is ``f * (x1, y1) + (1 - f) * (x2, y2)`` of the box."""
        columns = torch.arange(self.grid_points, device=device) // self.grid_size
        rows = torch.arange(self.grid_points, device=device) % self.grid_size
        return torch.stack([1 - columns / (self.grid_size - 1), 1 - rows / (self.grid_size - 1)], dim=1)

    def get_targets(self, sampling_results, rcnn_train_cfg) -> torch.Tensor:
        """Per positive RoI, per point: a disk of ``pos_radius`` around the gt's grid point on the RoI's extended
        (twice as large) map, cut to the point's sub-region; RoIs no wider or taller than ``grid_size`` (extended)
        get none."""
        rois = torch.cat([res.pos_bboxes for res in sampling_results])
        gts = torch.cat([res.pos_gt_bboxes for res in sampling_results])
        size = rois[:, 2:] - rois[:, :2]
        extended = torch.cat([rois[:, :2] - size / 2, rois[:, 2:] + size / 2], dim=1)
        ext_size = extended[:, 2:] - extended[:, :2]
        factors = self._point_factors(rois.device).to(gts.dtype)
        points = factors[None] * gts[:, None, :2] + (1 - factors[None]) * gts[:, None, 2:]  # (n, g, 2)
        map_size = self.whole_map_size
        centres = torch.trunc((points - extended[:, None, :2]) / ext_size[:, None] * map_size).long()
        coords = torch.arange(map_size, device=rois.device)
        dist2 = ((coords.view(1, 1, 1, -1) - centres[..., 0, None, None]) ** 2 +
                 (coords.view(1, 1, -1, 1) - centres[..., 1, None, None]) ** 2)
        valid = (ext_size > self.grid_size).all(dim=1)
        targets = ((dist2 <= rcnn_train_cfg.pos_radius ** 2) & valid[:, None, None, None]).float()
        return torch.cat([targets[:, [i], y1:y2, x1:x2] for i, (x1, y1, x2, y2) in enumerate(self.sub_regions)],
                         dim=1)

    def loss(self, grid_pred: dict, grid_targets: torch.Tensor) -> dict:
        """``loss_grid``: the heatmap loss of the fused plus the unfused heatmaps."""
        return dict(loss_grid=self.loss_grid(grid_pred['fused'], grid_targets) +
                    self.loss_grid(grid_pred['unfused'], grid_targets))

    def get_bboxes(self, det_bboxes: torch.Tensor, grid_pred: torch.Tensor, img_metas: list) -> torch.Tensor:
        """Refined ``(n, 5)`` detections: each border from its points' heatmap maxima (score-weighted), clipped
        to the image (mmdet's clipping acted on a copy: see docs/compat.md); scores kept."""
        num, points, h, w = grid_pred.shape
        if points != self.grid_points or not h == w == self.whole_map_size // 4 * 2:
            raise ValueError(f'GridHead.get_bboxes: heatmaps {tuple(grid_pred.shape[1:])} do not fit the head')
        scores, position = grid_pred.sigmoid().view(num, points, h * w).max(dim=2)
        offsets = grid_pred.new_tensor([region[:2] for region in self.sub_regions])
        xs, ys = position % w + offsets[:, 0], torch.div(position, w, rounding_mode='floor') + offsets[:, 1]
        boxes = det_bboxes[:, :4]
        size = boxes[:, 2:] - boxes[:, :2]
        abs_xs = (xs + 0.5) / w * size[:, :1] + (boxes[:, :1] - size[:, :1] / 2)
        abs_ys = (ys + 0.5) / h * size[:, 1:] + (boxes[:, 1:2] - size[:, 1:] / 2)
        g = self.grid_size
        sides = ((abs_xs, list(range(g))), (abs_ys, [i * g for i in range(g)]),
                 (abs_xs, [points - g + i for i in range(g)]), (abs_ys, [(i + 1) * g - 1 for i in range(g)]))
        borders = [(coord[:, inds] * scores[:, inds]).sum(1, keepdim=True) / scores[:, inds].sum(1, keepdim=True)
                   for coord, inds in sides]
        refined = torch.cat(borders + [det_bboxes[:, 4:5]], dim=1)
        img_h, img_w = img_metas[0]['img_shape'][:2]
        refined[:, [0, 2]] = refined[:, [0, 2]].clamp(min=0, max=img_w)
        refined[:, [1, 3]] = refined[:, [1, 3]].clamp(min=0, max=img_h)
        return refined
