"""Decoupled SOLO: a cell's mask is the product of an x-mask (its column) and a y-mask (its row), 2S mask channels
per level instead of S^2."""
from __future__ import annotations

import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...core.utils import multi_apply
from ..builder import HEADS
from .solo_head import SOLOHead, level_values

_DECOUPLED_INIT = [
    dict(type='Normal', layer='Conv2d', std=0.01),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_mask_list_x')),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_mask_list_y')),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_cls')),
]


@HEADS.register_module()
class DecoupledSOLOHead(SOLOHead):
    """SOLO with decoupled x/y mask branches (each with one coordinate channel); arguments as :class:`SOLOHead`."""

    def __init__(self, *args, init_cfg=_DECOUPLED_INIT, **kwargs):
        super().__init__(*args, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.mask_convs_x = self._tower(self.in_channels + 1)
        self.mask_convs_y = self._tower(self.in_channels + 1)
        self.cls_convs = self._tower(self.in_channels)
        self._init_mask_preds()

    def _init_mask_preds(self) -> None:
        self.conv_mask_list_x = nn.ModuleList(nn.Conv2d(self.feat_channels, g, 3, padding=1) for g in self.num_grids)
        self.conv_mask_list_y = nn.ModuleList(nn.Conv2d(self.feat_channels, g, 3, padding=1) for g in self.num_grids)
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)

    def _mask_preds(self, feat: torch.Tensor, level: int) -> tuple:
        """The level's x- and y-mask logits ``(N, S, 2h, 2w)``."""
        feat_x, feat_y = self._with_coords(feat, slice(0, 1)), self._with_coords(feat, slice(1, 2))
        for layer_x, layer_y in zip(self.mask_convs_x, self.mask_convs_y):
            feat_x, feat_y = layer_x(feat_x), layer_y(feat_y)
        feat_x = F.interpolate(feat_x, scale_factor=2, mode='bilinear', align_corners=False)
        feat_y = F.interpolate(feat_y, scale_factor=2, mode='bilinear', align_corners=False)
        return self.conv_mask_list_x[level](feat_x), self.conv_mask_list_y[level](feat_y)

    def forward(self, feats) -> tuple:
        """Per level: x-mask and y-mask logits ``(N, S, 2h, 2w)`` and class logits ``(N, C, S, S)``
        (probabilities when testing, as :class:`SOLOHead`)."""
        self._check_levels(feats)
        feats = self.resize_feats(feats)
        preds_x, preds_y, cls_preds = [], [], []
        for level, feat in enumerate(feats):
            pred_x, pred_y = self._mask_preds(feat, level)
            preds_x.append(self._test_masks(pred_x, feats))
            preds_y.append(self._test_masks(pred_y, feats))
            cls_preds.append(self._cls_pred(feat, level))
        return preds_x, preds_y, cls_preds

    def loss(self, mlvl_mask_preds_x, mlvl_mask_preds_y, mlvl_cls_preds, gt_labels, gt_masks, img_metas,
             gt_bboxes=None, **kwargs) -> dict:
        """As :class:`SOLOHead`, on the products of the positive cells' column and row masks."""
        sizes = [pred.shape[-2:] for pred in mlvl_mask_preds_x]
        targets, labels, _ = multi_apply(self._level_targets, gt_bboxes, gt_labels, gt_masks, featmap_sizes=sizes)
        num_pos, loss_mask = 0., []
        for level, (preds_x, preds_y) in enumerate(zip(mlvl_mask_preds_x, mlvl_mask_preds_y)):
            cells = [(img_labels[level] - self.num_classes).nonzero() for img_labels in labels]  # (row, column)
            pred_x = torch.cat([preds_x[i, rc[:, 1]] for i, rc in enumerate(cells)])
            pred_y = torch.cat([preds_y[i, rc[:, 0]] for i, rc in enumerate(cells)])
            if len(pred_x) == 0:
                loss_mask.append((pred_x.sum() + pred_y.sum()).unsqueeze(0))
                continue
            num_pos += len(pred_x)
            target = torch.cat([img_targets[level] for img_targets in targets])
            loss_mask.append(self.loss_mask(pred_y.sigmoid() * pred_x.sigmoid(), target, reduction_override='none'))
        return self._losses(loss_mask, num_pos, labels, mlvl_cls_preds)

    def get_results(self, mlvl_mask_preds_x, mlvl_mask_preds_y, mlvl_cls_scores, img_metas, rescale: bool = True,
                    **kwargs) -> list:
        """As :meth:`SOLOHead.get_results`; a candidate cell's mask is its column's x-mask times its row's y-mask."""
        device = mlvl_cls_scores[0].device
        cell_start = level_values(itertools.accumulate([0] + [g * g for g in self.num_grids[:-1]]),
                                  self.num_grids, device)
        mask_start = level_values(itertools.accumulate([0] + list(self.num_grids[:-1])), self.num_grids, device)
        grid = level_values(self.num_grids, self.num_grids, device)
        results = []
        for img_id, img_meta in enumerate(img_metas):
            scores = self._image_scores(mlvl_cls_scores, img_id)
            candidates, labels = self._candidates(scores)
            cells = candidates[:, 0]
            local = cells - cell_start[cells]
            rows, columns = mask_start[cells] + local // grid[cells], mask_start[cells] + local % grid[cells]
            preds_x = torch.cat([preds[img_id] for preds in mlvl_mask_preds_x])
            preds_y = torch.cat([preds[img_id] for preds in mlvl_mask_preds_y])
            mask_preds = preds_x[columns] * preds_y[rows]
            results.append(self._finish(mask_preds, candidates, labels, scores, img_meta, rescale))
        return results


@HEADS.register_module()
class DecoupledSOLOLightHead(DecoupledSOLOHead):
    """Decoupled SOLO with one shared mask tower (both coordinate channels); ``dcn_cfg`` makes the last conv of
    each tower deformable."""

    def __init__(self, *args, dcn_cfg: dict | None = None, init_cfg=_DECOUPLED_INIT, **kwargs):
        if dcn_cfg is not None and not isinstance(dcn_cfg, dict):
            raise TypeError(f'DecoupledSOLOLightHead dcn_cfg must be a dict or None, got {dcn_cfg!r}')
        self.dcn_cfg = dcn_cfg
        super().__init__(*args, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.mask_convs = self._tower(self.in_channels + 2, last_conv_cfg=self.dcn_cfg)
        self.cls_convs = self._tower(self.in_channels, last_conv_cfg=self.dcn_cfg)
        self._init_mask_preds()

    def _mask_preds(self, feat: torch.Tensor, level: int) -> tuple:
        feat = self._with_coords(feat)
        for layer in self.mask_convs:
            feat = layer(feat)
        feat = F.interpolate(feat, scale_factor=2, mode='bilinear', align_corners=False)
        return self.conv_mask_list_x[level](feat), self.conv_mask_list_y[level](feat)
