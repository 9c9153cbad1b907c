"""``MaskPointHead``: PointRend's point-wise mask predictor on fine-grained and coarse features."""
from __future__ import annotations

import torch
import torch.nn as nn

from ....cnn import ConvModule
from ....ops import point_sample, rel_roi_point_to_rel_img_point
from ....runner import BaseModule
from ...builder import HEADS, build_loss
from ...utils.point_sample import get_uncertain_point_coords_with_randomness, get_uncertainty


@HEADS.register_module()
class MaskPointHead(BaseModule):
    """``num_fcs`` 1x1 Conv1d layers over ``(n, in_channels + num_classes, points)`` features (the coarse mask
    logits appended again after each with ``coarse_pred_each_layer``), then per-class point logits.

    Args:
        num_classes: Foreground classes.
        num_fcs / in_channels / fc_channels: Layers, fine-grained feature channels, layer width. 3 / 256 / 256.
        class_agnostic: One logit per point. Defaults to False.
        coarse_pred_each_layer: Append the coarse logits to every layer's input. Defaults to True.
        loss_point: Loss config (per-class mask BCE by default).
    """

    def __init__(self, num_classes: int, num_fcs: int = 3, in_channels: int = 256, fc_channels: int = 256,
                 class_agnostic: bool = False, coarse_pred_each_layer: bool = True,
                 conv_cfg=dict(type='Conv1d'), norm_cfg=None, act_cfg=dict(type='ReLU'),  # noqa: B006
                 loss_point=dict(type='CrossEntropyLoss', use_mask=True, loss_weight=1.0),  # noqa: B006
                 init_cfg=dict(type='Normal', std=0.001, override=dict(name='fc_logits'))):  # noqa: B006
        super().__init__(init_cfg)
        self.num_fcs, self.in_channels, self.fc_channels = num_fcs, in_channels, fc_channels
        self.num_classes, self.class_agnostic = num_classes, class_agnostic
        self.coarse_pred_each_layer = coarse_pred_each_layer
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.loss_point = build_loss(loss_point)
        channels = in_channels + num_classes
        self.fcs = nn.ModuleList()
        for _ in range(num_fcs):
            self.fcs.append(ConvModule(channels, fc_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                       act_cfg=act_cfg))
            channels = fc_channels + (num_classes if coarse_pred_each_layer else 0)
        self.fc_logits = nn.Conv1d(channels, 1 if class_agnostic else num_classes, 1)

    def forward(self, fine_grained_feats: torch.Tensor, coarse_feats: torch.Tensor) -> torch.Tensor:
        """``(n, in_channels, p)`` and ``(n, num_classes, p)`` features to ``(n, classes, p)`` point logits."""
        x = torch.cat([fine_grained_feats, coarse_feats], dim=1)
        for fc in self.fcs:
            x = fc(x)
            if self.coarse_pred_each_layer:
                x = torch.cat((x, coarse_feats), dim=1)
        return self.fc_logits(x)

    def get_targets(self, rois, rel_roi_points, sampling_results, gt_masks, cfg) -> torch.Tensor:
        """``(n, num_points)`` ground-truth mask values (bilinearly sampled) at each positive RoI's points."""
        targets = []
        for img_ind, (res, masks) in enumerate(zip(sampling_results, gt_masks)):
            inds = rois[:, 0] == img_ind
            if not inds.any():
                targets.append(rois.new_zeros((0, cfg.num_points)))
                continue
            gt = masks.to_tensor(rois.dtype, rois.device).index_select(0, res.pos_assigned_gt_inds).unsqueeze(1)
            points = rel_roi_point_to_rel_img_point(rois[inds], rel_roi_points[inds], gt)
            targets.append(point_sample(gt, points).squeeze(1))
        return torch.cat(targets) if targets else rois.new_zeros((0, cfg.num_points))

    def loss(self, point_pred, point_targets, labels) -> dict:
        """``loss_point`` (zero, not NaN, without positive RoIs)."""
        if point_pred.shape[0] == 0:
            return dict(loss_point=point_pred.sum() * 0)
        labels = torch.zeros_like(labels) if self.class_agnostic else labels
        return dict(loss_point=self.loss_point(point_pred, point_targets, labels))

    def get_roi_rel_points_train(self, mask_pred, labels, cfg) -> torch.Tensor:
        """``cfg.num_points`` training points per RoI (uncertain ones and random ones, see
        :func:`get_uncertain_point_coords_with_randomness`)."""
        return get_uncertain_point_coords_with_randomness(mask_pred, labels, cfg.num_points, cfg.oversample_ratio,
                                                          cfg.importance_sample_ratio)

    def get_roi_rel_points_test(self, mask_pred, pred_label, cfg) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``cfg.subdivision_num_points`` most uncertain cells of each RoI's mask: their flat indices and
        their centres in ``[0, 1]`` RoI coordinates."""
        uncertainty = get_uncertainty(mask_pred, pred_label)
        num_rois, _, height, width = uncertainty.shape
        num_points = min(height * width, cfg.subdivision_num_points)
        point_indices = uncertainty.view(num_rois, height * width).topk(num_points, dim=1)[1]
        w_step, h_step = 1.0 / width, 1.0 / height
        xs = w_step / 2 + (point_indices % width).float() * w_step
        ys = h_step / 2 + torch.div(point_indices, width, rounding_mode='floor').float() * h_step
        return point_indices, torch.stack([xs, ys], dim=2)
