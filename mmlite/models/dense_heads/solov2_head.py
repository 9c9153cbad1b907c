"""SOLOv2 (Wang et al., 2020): each grid cell predicts the weights of a dynamic convolution that, applied to one
shared mask feature map, gives its object's mask."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...core.utils import generate_coordinate, multi_apply
from ...runner import BaseModule, force_fp32
from ..builder import HEADS
from .solo_head import SOLOHead, grid_assignments, point_nms

_V2_INIT = [
    dict(type='Normal', layer='Conv2d', std=0.01),
    dict(type='Normal', std=0.01, bias_prob=0.01, override=dict(name='conv_cls')),
]


class MaskFeatModule(BaseModule):
    """SOLOv2's unified mask features: levels ``start_level..end_level`` brought to the first one's size (conv and
    2x upsampling steps; CoordConv on the last), summed, and projected to ``out_channels``.

    Args:
        in_channels / feat_channels / out_channels: Channels of the inputs, the per-level branches, the output.
        start_level / end_level: First and last (inclusive) input level used.
        mask_stride: Stride of the output features. Default 4.
        conv_cfg / norm_cfg: For every conv.
    """

    def __init__(self, in_channels: int, feat_channels: int, start_level: int, end_level: int, out_channels: int,
                 mask_stride: int = 4, conv_cfg: dict | None = None, norm_cfg: dict | None = None,
                 init_cfg=[dict(type='Normal', layer='Conv2d', std=0.01)]):  # noqa: B006
        super().__init__(init_cfg=init_cfg)
        if not 0 <= start_level <= end_level:
            raise ValueError(f'MaskFeatModule needs 0 <= start_level <= end_level, got {start_level}, {end_level}')
        self.in_channels, self.feat_channels, self.out_channels = in_channels, feat_channels, out_channels
        self.start_level, self.end_level, self.mask_stride = start_level, end_level, mask_stride
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.fp16_enabled = False
        self._init_layers()

    def _conv(self, in_channels: int, out_channels: int, kernel: int = 3, **kwargs) -> ConvModule:
        return ConvModule(in_channels, out_channels, kernel, padding=kernel // 2, conv_cfg=self.conv_cfg,
                          norm_cfg=self.norm_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.convs_all_levels = nn.ModuleList()
        for level in range(self.start_level, self.end_level + 1):
            branch = nn.Sequential()
            if level == 0:
                branch.add_module('conv0', self._conv(self.in_channels, self.feat_channels, inplace=False))
            for j in range(level):  # one conv and one 2x upsampling per octave
                first_in = self.in_channels + 2 if level == self.end_level else self.in_channels
                branch.add_module(f'conv{j}', self._conv(first_in if j == 0 else self.feat_channels,
                                                         self.feat_channels, inplace=False))
                branch.add_module(f'upsample{j}', nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False))
            self.convs_all_levels.append(branch)
        self.conv_pred = self._conv(self.feat_channels, self.out_channels, 1)

    def forward(self, feats) -> torch.Tensor:
        inputs = feats[self.start_level:self.end_level + 1]
        if len(inputs) != self.end_level - self.start_level + 1:
            raise ValueError(f'MaskFeatModule uses levels {self.start_level}..{self.end_level} but got '
                             f'{len(feats)} feature maps')
        fused = self.convs_all_levels[0](inputs[0])
        for i in range(1, len(inputs)):
            feat = inputs[i]
            if i == len(inputs) - 1:
                coords = generate_coordinate(feat.size(), feat.device).to(feat.dtype)
                feat = torch.cat([feat, coords], 1)
            fused = fused + self.convs_all_levels[i](feat)
        return self.conv_pred(fused)


@HEADS.register_module()
class SOLOV2Head(SOLOHead):
    """SOLOv2's head: per level an S x S class map and S x S dynamic kernels; arguments as :class:`SOLOHead` plus

    Args:
        mask_feature_head: :class:`MaskFeatModule` arguments (its ``in_channels`` follow the head's).
        dynamic_conv_size: Kernel size of the dynamic convs. Default 1.
        dcn_cfg: Deformable conv config for the towers (all their convs with ``dcn_apply_to_all_conv``, else the
            last one). Default None.
    """

    def __init__(self, *args, mask_feature_head: dict, dynamic_conv_size: int = 1, dcn_cfg: dict | None = None,
                 dcn_apply_to_all_conv: bool = True, init_cfg=_V2_INIT, **kwargs):
        if dcn_cfg is not None and not isinstance(dcn_cfg, dict):
            raise TypeError(f'SOLOV2Head dcn_cfg must be a dict or None, got {dcn_cfg!r}')
        self.dcn_cfg, self.with_dcn, self.dcn_apply_to_all_conv = dcn_cfg, dcn_cfg is not None, dcn_apply_to_all_conv
        self.dynamic_conv_size = dynamic_conv_size
        self.kernel_out_channels = mask_feature_head.get('out_channels') * dynamic_conv_size ** 2
        super().__init__(*args, init_cfg=init_cfg, **kwargs)
        mask_feature_head = dict(mask_feature_head)
        if mask_feature_head.get('in_channels') not in (None, self.in_channels):
            warnings.warn(f'SOLOV2Head: mask_feature_head.in_channels={mask_feature_head["in_channels"]} differs from '
                          f'the head in_channels; using {self.in_channels}')
        mask_feature_head['in_channels'] = self.in_channels
        self.mask_feature_head = MaskFeatModule(**mask_feature_head)
        self.mask_stride = self.mask_feature_head.mask_stride
        self.fp16_enabled = False

    def _init_layers(self) -> None:
        all_cfg = self.dcn_cfg if self.with_dcn and self.dcn_apply_to_all_conv else None
        self.cls_convs = self._tower(self.in_channels, conv_cfg=all_cfg, last_conv_cfg=self.dcn_cfg)
        self.kernel_convs = self._tower(self.in_channels + 2, conv_cfg=all_cfg, last_conv_cfg=self.dcn_cfg)
        self.conv_cls = nn.Conv2d(self.feat_channels, self.cls_out_channels, 3, padding=1)
        self.conv_kernel = nn.Conv2d(self.feat_channels, self.kernel_out_channels, 3, padding=1)

    def forward(self, feats) -> tuple:
        """Per level, kernel logits ``(N, E k^2, S, S)`` and class logits ``(N, C, S, S)``; and the mask features
        ``(N, E, H/4, W/4)``."""
        self._check_levels(feats)
        mask_feats = self.mask_feature_head(feats)
        kernel_preds, cls_preds = [], []
        for level, feat in enumerate(self.resize_feats(feats)):
            kernel_feat = F.interpolate(self._with_coords(feat), size=self.num_grids[level], mode='bilinear',
                                        align_corners=False)
            cls_feat = kernel_feat[:, :-2].contiguous()
            kernel_feat = kernel_feat.contiguous()
            for layer in self.kernel_convs:
                kernel_feat = layer(kernel_feat)
            for layer in self.cls_convs:
                cls_feat = layer(cls_feat)
            kernel_preds.append(self.conv_kernel(kernel_feat))
            cls_preds.append(self.conv_cls(cls_feat))
        return kernel_preds, cls_preds, mask_feats

    def _level_targets(self, gt_bboxes, gt_labels, gt_masks, featmap_size=None) -> tuple:
        """Per level of one image: one mask target per positive cell of each object (an object's cells in order;
        a cell two objects cover appears twice), the ``S x S`` labels (later objects overwrite), the positive
        flags and the positive cell indices."""
        upsampled = (featmap_size[0] * self.mask_stride, featmap_size[1] * self.mask_stride)
        device = gt_labels.device
        targets, labels_list, pos_list, index_list = [], [], [], []
        for scale_range, grid in zip(self.scale_ranges, self.num_grids):
            labels = torch.full((grid, grid), self.num_classes, dtype=torch.long, device=device)
            pos = torch.zeros((grid, grid), dtype=torch.bool, device=device)
            masks, indices = [], []
            for label, top, down, left, right, mask in grid_assignments(
                    gt_bboxes, gt_labels, gt_masks, scale_range, grid, upsampled, self.pos_scale, self.mask_stride):
                labels[top:down + 1, left:right + 1] = label
                pos[top:down + 1, left:right + 1] = True
                target = mask.new_zeros(featmap_size[0], featmap_size[1])
                target[:mask.shape[0], :mask.shape[1]] = mask
                cells = [i * grid + j for i in range(top, down + 1) for j in range(left, right + 1)]
                masks += [target] * len(cells)
                indices += cells
            targets.append(torch.stack(masks) if masks else
                           torch.zeros((0, featmap_size[0], featmap_size[1]), dtype=torch.uint8, device=device))
            labels_list.append(labels)
            pos_list.append(pos.flatten())
            index_list.append(indices)
        return targets, labels_list, pos_list, index_list

    @force_fp32(apply_to=('mlvl_kernel_preds', 'mlvl_cls_preds', 'mask_feats'))
    def loss(self, mlvl_kernel_preds, mlvl_cls_preds, mask_feats, gt_labels, gt_masks, img_metas, gt_bboxes=None,
             **kwargs) -> dict:
        """``loss_mask`` of the positive cells' dynamic-conv masks and ``loss_cls``, as :class:`SOLOHead`."""
        size = mask_feats.shape[-2:]
        targets, labels, pos_masks, indices = multi_apply(self._level_targets, gt_bboxes, gt_labels, gt_masks,
                                                          featmap_size=size)
        num_pos = sum(pos.count_nonzero() for img_pos in pos_masks for pos in img_pos)
        loss_mask = []
        for level, kernel_preds in enumerate(mlvl_kernel_preds):
            preds = [self._dynamic_masks(mask_feats[img_id:img_id + 1],
                                         kernel_preds[img_id].flatten(1)[:, img_indices[level]].t())
                     for img_id, img_indices in enumerate(indices) if img_indices[level]]
            if preds:
                target = torch.cat([img_targets[level] for img_targets in targets])
                loss_mask.append(self.loss_mask(torch.cat(preds), target, reduction_override='none'))
        loss_mask = torch.cat(loss_mask).sum() / num_pos if num_pos > 0 else mask_feats.sum() * 0
        return dict(loss_mask=loss_mask, loss_cls=self._cls_loss(labels, mlvl_cls_preds, num_pos))

    def _dynamic_masks(self, mask_feats: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
        """Mask logits ``(K, h, w)`` of one image's features ``(1, E, H, W)`` under ``K`` kernels ``(K, E k^2)``."""
        size = self.dynamic_conv_size
        out = F.conv2d(mask_feats, kernels.reshape(len(kernels), -1, size, size), stride=1)
        return out.reshape(-1, *out.shape[-2:])

    @force_fp32(apply_to=('mlvl_kernel_preds', 'mlvl_cls_scores', 'mask_feats'))
    def get_results(self, mlvl_kernel_preds, mlvl_cls_scores, mask_feats, img_metas, rescale: bool = True,
                    **kwargs) -> list:
        """As :meth:`SOLOHead.get_results`; a candidate cell's mask is its dynamic conv of the mask features."""
        mlvl_cls_scores = [point_nms(scores.sigmoid()) for scores in mlvl_cls_scores]
        results = []
        for img_id, img_meta in enumerate(img_metas):
            scores = self._image_scores(mlvl_cls_scores, img_id)
            kernels = torch.cat([preds[img_id].permute(1, 2, 0).reshape(-1, self.kernel_out_channels)
                                 for preds in mlvl_kernel_preds])
            candidates, labels = self._candidates(scores)
            img_feats = mask_feats[img_id:img_id + 1]
            mask_preds = (self._dynamic_masks(img_feats, kernels[candidates[:, 0]]).sigmoid() if len(candidates) else
                          img_feats.new_zeros((0, *img_feats.shape[-2:])))
            results.append(self._finish(mask_preds, candidates, labels, scores, img_meta, rescale, self.mask_stride))
        return results
