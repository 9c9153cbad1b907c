"""``RepPointsHead``: objects as learnt point sets, refined once, boxed by a moment or min-max transform."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...core.anchor import MlvlPointGenerator
from ...core.bbox import build_assigner, build_sampler
from ...core.utils import multi_apply, unmap
from ...ops import DeformConv2d
from ...runner import force_fp32
from ..builder import HEADS, build_loss
from .anchor_free_head import AnchorFreeHead, conv_towers, tower_features
from .anchor_head import sampled_targets

_TRANSFORMS = ('moment', 'minmax', 'partial_minmax')


@HEADS.register_module()
class RepPointsHead(AnchorFreeHead):
    """RepPoints (Yang et al., 2019).

    Per feature-map point, ``num_points`` (an odd square) offsets from the point (in stride units, ``(y, x)``
    pairs) form the first point set; a deformable conv sampling the features at those points (their gradient
    scaled by ``gradient_mul``) predicts the class scores and a refinement added to the detached first set.
    A point set becomes a box by ``transform_method``: ``'moment'`` (mean +- std scaled by a learnt
    ``exp(moment_transfer)``), ``'minmax'`` or ``'partial_minmax'`` (the first four points). With
    ``use_grid_points`` the sets are instead ``sqrt(num_points)``-square grids on regressed boxes.
    Training: the first set's box learns from ``train_cfg.init`` (``PointAssigner`` on the points, or
    ``MaxIoUAssigner`` on squares of ``point_base_scale`` strides), the refined set's box and the scores
    from ``train_cfg.refine`` (``MaxIoUAssigner`` on the first sets' boxes); box losses compare boxes divided
    by ``point_base_scale * stride``.

    Args:
        point_feat_channels: Channels of the deformable and point convs. Defaults to 256.
        num_points: Points per set (9, 25...). Defaults to 9.
        gradient_mul: Share of the first set's gradient through the deformable offsets. Defaults to 0.1.
        point_strides: Stride of each level. Defaults to ``(8, 16, 32, 64, 128)``.
        point_base_scale: Object size (in strides) of a level, for assignment and loss scaling. Defaults to 4.
        loss_cls / loss_bbox_init / loss_bbox_refine: Score loss and the two box losses.
        use_grid_points: Point sets as grids on regressed boxes. Defaults to False.
        center_init: First sets start at the point itself (else a base-scale square grid). Defaults to True.
        transform_method: Point set to box transform. Defaults to ``'moment'``.
        moment_mul: Gradient share of ``moment_transfer``. Defaults to 0.01.
    """

    rename_v1_predictors = False  # mmdet 2.x names only
    train_cfg_sections = ('init', 'refine')  # each a dense-head train_cfg (assigner, pos_weight...)

    def __init__(self, num_classes: int, in_channels: int, point_feat_channels: int = 256, num_points: int = 9,
                 gradient_mul: float = 0.1, point_strides=(8, 16, 32, 64, 128), point_base_scale: int = 4,
                 loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,  # noqa: B006
                               loss_weight=1.0),
                 loss_bbox_init=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=0.5),  # noqa: B006
                 loss_bbox_refine=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0),  # noqa: B006
                 use_grid_points: bool = False, center_init: bool = True, transform_method: str = 'moment',
                 moment_mul: float = 0.01,
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='reppoints_cls_out', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.dcn_kernel = int(math.isqrt(num_points))
        if self.dcn_kernel ** 2 != num_points or self.dcn_kernel % 2 == 0:
            raise ValueError(f'RepPointsHead: num_points must be the square of an odd number (9, 25...), '
                             f'got {num_points}')
        if transform_method not in _TRANSFORMS:
            raise ValueError(f'RepPointsHead: transform_method must be one of {_TRANSFORMS}, got '
                             f'{transform_method!r}')
        self.num_points, self.point_feat_channels = num_points, point_feat_channels
        self.use_grid_points, self.center_init = use_grid_points, center_init
        super().__init__(num_classes, in_channels, loss_cls=loss_cls, init_cfg=init_cfg, **kwargs)
        self.gradient_mul, self.point_base_scale, self.point_strides = gradient_mul, point_base_scale, point_strides
        self.prior_generator = MlvlPointGenerator(point_strides, offset=0.)
        self.transform_method, self.moment_mul = transform_method, moment_mul
        self.sampling = loss_cls['type'] not in ('FocalLoss', )
        if self.train_cfg:
            self._init_assigners()
        if transform_method == 'moment':
            self.moment_transfer = nn.Parameter(torch.zeros(2))
        self.loss_bbox_init = build_loss(loss_bbox_init)
        self.loss_bbox_refine = build_loss(loss_bbox_refine)
        pad = (self.dcn_kernel - 1) // 2
        # the kernel's regular sampling positions, (y, x) pairs row by row: deformable offsets are relative to them
        base = [(dy, dx) for dy in range(-pad, pad + 1) for dx in range(-pad, pad + 1)]
        self.register_buffer('dcn_base_offset', torch.tensor(base, dtype=torch.float).view(1, -1, 1, 1),
                             persistent=False)

    def _init_assigners(self) -> None:
        """Each stage's assigner and sampler (a ``sampler`` only with a sampling ``loss_cls``, e.g.
        cross-entropy; focal loss learns from every point)."""
        self.samplers = {}
        for stage in self.train_cfg_sections:
            cfg = self.train_cfg[stage]
            if cfg.get('allowed_border', -1) >= 0:
                raise ValueError(f'model.train_cfg.{stage}.allowed_border: RepPointsHead learns from every point '
                                 'inside the padded image (as mmdet, which ignored the key); set it to -1')
            if cfg.get('sampler') is not None and not self.sampling:
                raise ValueError(f'model.train_cfg.{stage}.sampler: FocalLoss learns from every point; remove '
                                 'the sampler (or use a sampling loss such as CrossEntropyLoss)')
            self.samplers[stage] = build_sampler(cfg.get('sampler') or dict(type='PseudoSampler'), context=self)
        self.init_assigner = build_assigner(self.train_cfg.init.assigner)
        self.refine_assigner = build_assigner(self.train_cfg.refine.assigner)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = conv_towers(self, self.conv_bias)
        pts_out_dim = 4 if self.use_grid_points else 2 * self.num_points
        pad = (self.dcn_kernel - 1) // 2
        self.reppoints_cls_conv = DeformConv2d(self.feat_channels, self.point_feat_channels, self.dcn_kernel, 1, pad)
        self.reppoints_cls_out = nn.Conv2d(self.point_feat_channels, self.cls_out_channels, 1, 1, 0)
        self.reppoints_pts_init_conv = nn.Conv2d(self.feat_channels, self.point_feat_channels, 3, 1, 1)
        self.reppoints_pts_init_out = nn.Conv2d(self.point_feat_channels, pts_out_dim, 1, 1, 0)
        self.reppoints_pts_refine_conv = DeformConv2d(self.feat_channels, self.point_feat_channels,
                                                      self.dcn_kernel, 1, pad)
        self.reppoints_pts_refine_out = nn.Conv2d(self.point_feat_channels, pts_out_dim, 1, 1, 0)

    def forward(self, feats):
        """Per level the scores and (training) the first and refined point sets, or (testing) the refined
        sets' boxes (stride units, relative to the point)."""
        return multi_apply(self.forward_single, feats)

    def forward_single(self, x):
        base = self.dcn_base_offset.type_as(x)
        half = self.point_base_scale / 2
        cls_feat, pts_feat = tower_features(x, self.cls_convs, self.reg_convs)
        pts_init = self.reppoints_pts_init_out(self.relu(self.reppoints_pts_init_conv(pts_feat)))
        if self.use_grid_points:
            pts_init, box_init = self.gen_grid_from_reg(pts_init, x.new_tensor([-half, -half, half, half])
                                                        .view(1, 4, 1, 1))
        elif not self.center_init:
            pts_init = pts_init + base / base.max() * half
        offset = (1 - self.gradient_mul) * pts_init.detach() + self.gradient_mul * pts_init - base
        cls_out = self.reppoints_cls_out(self.relu(self.reppoints_cls_conv(cls_feat, offset)))
        pts_refine = self.reppoints_pts_refine_out(self.relu(self.reppoints_pts_refine_conv(pts_feat, offset)))
        if self.use_grid_points:
            pts_refine = self.gen_grid_from_reg(pts_refine, box_init.detach())[0]
        else:
            pts_refine = pts_refine + pts_init.detach()
        if self.training:
            return cls_out, pts_init, pts_refine
        return cls_out, self.points2bbox(pts_refine)

    def points2bbox(self, pts: torch.Tensor, y_first: bool = True) -> torch.Tensor:
        """Boxes ``(n, 4, ...)`` ``(x1, y1, x2, y2)`` of point sets ``(n, 2 * num_points, ...)`` (``(y, x)``
        pairs, or ``(x, y)`` when not ``y_first``)."""
        pairs = pts.view(pts.shape[0], -1, 2, *pts.shape[2:])
        ys, xs = (pairs[:, :, 0], pairs[:, :, 1]) if y_first else (pairs[:, :, 1], pairs[:, :, 0])
        if self.transform_method == 'moment':
            y_mean, x_mean = ys.mean(dim=1, keepdim=True), xs.mean(dim=1, keepdim=True)
            y_std = torch.std(ys - y_mean, dim=1, keepdim=True)
            x_std = torch.std(xs - x_mean, dim=1, keepdim=True)
            transfer = self.moment_transfer * self.moment_mul + self.moment_transfer.detach() * (1 - self.moment_mul)
            half_w, half_h = x_std * torch.exp(transfer[0]), y_std * torch.exp(transfer[1])
            return torch.cat([x_mean - half_w, y_mean - half_h, x_mean + half_w, y_mean + half_h], dim=1)
        if self.transform_method == 'partial_minmax':
            ys, xs = ys[:, :4], xs[:, :4]
        return torch.cat([xs.min(dim=1, keepdim=True)[0], ys.min(dim=1, keepdim=True)[0],
                          xs.max(dim=1, keepdim=True)[0], ys.max(dim=1, keepdim=True)[0]], dim=1)

    def gen_grid_from_reg(self, reg: torch.Tensor, previous_boxes: torch.Tensor) -> tuple:
        """Boxes regressed from ``previous_boxes`` (``reg``: centre shift in box units, log size factor), and
        the ``(y, x)`` grid of ``dcn_kernel`` x ``dcn_kernel`` points spanning each (rows of x)."""
        b, _, h, w = reg.shape
        k = self.dcn_kernel
        centre = (previous_boxes[:, :2] + previous_boxes[:, 2:]) / 2.
        size = (previous_boxes[:, 2:] - previous_boxes[:, :2]).clamp(min=1e-6)
        new_size = size * torch.exp(reg[:, 2:])
        top_left = centre + size * reg[:, :2] - 0.5 * new_size
        steps = torch.linspace(0., 1., k).view(1, k, 1, 1).type_as(reg)
        xs = top_left[:, [0]] + new_size[:, [0]] * steps
        ys = top_left[:, [1]] + new_size[:, [1]] * steps
        grid = torch.stack([ys[:, :, None].expand(b, k, k, h, w), xs[:, None].expand(b, k, k, h, w)], dim=3)
        return grid.reshape(b, -1, h, w), torch.cat([top_left, top_left + new_size], dim=1)

    def _decode(self, priors, bbox_pred, img_shape, level: int):
        """Boxes (stride units, relative to the point) to pixels, clipped to ``img_shape``."""
        boxes = bbox_pred * self.point_strides[level] + priors[:, :2].repeat(1, 2)
        h, w = img_shape[:2]
        return torch.min(boxes.clamp(min=0), boxes.new_tensor([w, h, w, h]))

    @force_fp32(apply_to=('cls_scores', 'pts_preds_init', 'pts_preds_refine'))
    def loss(self, cls_scores, pts_preds_init, pts_preds_refine, gt_bboxes, gt_labels, img_metas,
             gt_bboxes_ignore=None) -> dict:
        """``loss_cls``, ``loss_pts_init`` and ``loss_pts_refine`` (all levels together)."""
        featmap_sizes = [score.size()[-2:] for score in cls_scores]
        device = cls_scores[0].device
        points = self.prior_generator.grid_priors(featmap_sizes, device=device, with_stride=True)
        valid = [torch.cat(self.prior_generator.valid_flags(featmap_sizes, meta['pad_shape'], device))
                 for meta in img_metas]
        strides = torch.cat([p[:, 2] for p in points])  # per point of the concatenated levels
        centres = torch.cat([p[:, :2] for p in points]).repeat(1, 2)
        init_candidates = torch.cat(points)
        if self.train_cfg.init.assigner['type'] != 'PointAssigner':  # squares of point_base_scale strides
            half = (self.point_base_scale * strides / 2)[:, None]
            init_candidates = centres + torch.cat([-half, -half, half, half], dim=1)
        init = self._stage_targets('init', [init_candidates] * len(img_metas), valid, gt_bboxes, gt_labels,
                                   gt_bboxes_ignore)
        refine_candidates = centres + torch.cat([
            (self.points2bbox(pred.detach()) * stride).permute(0, 2, 3, 1).reshape(len(img_metas), -1, 4)
            for pred, stride in zip(pts_preds_init, self.point_strides)], dim=1)
        labels, label_weights, refine_gt, refine_weights, num_refine = self._stage_targets(
            'refine', refine_candidates, valid, gt_bboxes, gt_labels, gt_bboxes_ignore)
        flat_scores = torch.cat([s.permute(0, 2, 3, 1).reshape(len(img_metas), -1, self.cls_out_channels)
                                 for s in cls_scores], dim=1)
        loss_cls = self.loss_cls(flat_scores.reshape(-1, self.cls_out_channels), labels.reshape(-1),
                                 label_weights.reshape(-1), avg_factor=num_refine)
        norm = (self.point_base_scale * strides).repeat(len(img_metas))[:, None]
        return dict(loss_cls=loss_cls,
                    loss_pts_init=self._box_loss(self.loss_bbox_init, pts_preds_init, points, init[2], init[3],
                                                 norm, init[4]),
                    loss_pts_refine=self._box_loss(self.loss_bbox_refine, pts_preds_refine, points, refine_gt,
                                                   refine_weights, norm, num_refine))

    def _box_loss(self, loss, pts_preds, points, targets, weights, norm, avg_factor):
        """``loss`` between the point sets' boxes and ``targets`` (both divided by ``norm``)."""
        boxes = self.points2bbox(self.offsets_to_points(pts_preds, points).reshape(-1, 2 * self.num_points),
                                 y_first=False)
        return loss(boxes / norm, targets.reshape(-1, 4) / norm, weights.reshape(-1, 4), avg_factor=avg_factor)

    def offsets_to_points(self, pts_preds, points) -> torch.Tensor:
        """Point sets in pixels ``(num_imgs, num_points_all_levels, 2 * num_points)``, ``(x, y)`` pairs, from
        the per-level predicted offsets (stride units, ``(y, x)`` pairs)."""
        levels = []
        for pred, level_points in zip(pts_preds, points):
            offsets = pred.permute(0, 2, 3, 1).reshape(pred.size(0), -1, self.num_points, 2).flip(-1)
            levels.append((offsets * level_points[:, None, 2:4] + level_points[:, None, :2]).flatten(2))
        return torch.cat(levels, dim=1)

    def _stage_targets(self, stage: str, candidates, valid, gt_bboxes, gt_labels, gt_bboxes_ignore) -> tuple:
        """Stacked per-image labels, label weights, box targets and box weights of one stage's candidates,
        and the number of samples to average over."""
        assigner = self.init_assigner if stage == 'init' else self.refine_assigner
        pos_weight = self.train_cfg[stage].pos_weight
        num_imgs = len(valid)
        gt_bboxes_ignore = gt_bboxes_ignore or [None] * num_imgs
        results, num_pos, num_neg = [], 0, 0
        for i in range(num_imgs):
            inside = candidates[i][valid[i]]
            assign_result = assigner.assign(inside, gt_bboxes[i], gt_bboxes_ignore[i],
                                            None if self.sampling else gt_labels[i])
            sampling_result = self.samplers[stage].sample(assign_result, inside, gt_bboxes[i])
            num_pos += max(sampling_result.pos_inds.numel(), 1)
            num_neg += max(sampling_result.neg_inds.numel(), 1)
            targets = sampled_targets(sampling_result, len(inside), gt_labels[i], self.num_classes, pos_weight)
            results.append([unmap(t, len(valid[i]), valid[i], fill=self.num_classes if j == 0 else 0)
                            for j, t in enumerate(targets)])
        stacked = [torch.stack(parts) for parts in zip(*results)]
        return (*stacked, num_pos + num_neg if self.sampling else num_pos)
