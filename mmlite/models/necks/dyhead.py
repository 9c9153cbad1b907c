"""``DyHead``: dynamic head blocks (Dai et al., 2021) as an extra neck after the FPN: scale-, spatial- and
task-aware attention over the pyramid levels."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import build_activation_layer, build_norm_layer, constant_init, normal_init
from ...ops import ModulatedDeformConv2d
from ...runner import BaseModule
from ..builder import NECKS
from ..utils.dyrelu import DyReLU


def _leading_view(offset: torch.Tensor, mask: torch.Tensor, size) -> tuple:
    """The offsets and masks that mmdet's coarser-level conv reads: computed on this level's ``(H, W)`` grid but
    passed to a conv whose output is ``size`` (the next level's), mmcv's kernels take the first
    ``C * h * w`` values of each sample's ``(C, H, W)`` block as a ``(C, h, w)`` map. Reproduced, so mmdet's
    DyHead checkpoints give their detections (see docs/compat.md)."""
    height, width = size
    views = []
    for tensor in (offset, mask):
        batch, channels = tensor.shape[:2]
        views.append(tensor.reshape(batch, -1)[:, :channels * height * width].reshape(batch, channels, height, width))
    return tuple(views)


class DyDCNv2(nn.Module):
    """A 3x3 modulated deformable conv fed external offsets and masks, then a norm (GN 16 by default; the conv
    has a bias only without norm)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm_cfg: dict | None = dict(type='GN', num_groups=16, requires_grad=True)):  # noqa: B006
        super().__init__()
        self.with_norm = norm_cfg is not None
        self.conv = ModulatedDeformConv2d(in_channels, out_channels, 3, stride=stride, padding=1,
                                          bias=not self.with_norm)
        if self.with_norm:
            self.norm = build_norm_layer(norm_cfg, out_channels)[1]

    def forward(self, x, offset, mask):
        x = self.conv(x.contiguous(), offset.contiguous(), mask)
        return self.norm(x) if self.with_norm else x


class DyHeadBlock(nn.Module):
    """One DyHead block. Per level, offsets and masks predicted from the level itself drive deformable convs
    on it (``mid``), the finer level (``low``, stride 2) and the coarser one (``high``, upsampled); each
    result is weighted by a scalar scale attention, the mean passes through a :class:`DyReLU` (task
    attention). Convs start ``N(0, 0.01)``, the offset conv at zero with ``zero_init_offset``."""

    def __init__(self, in_channels: int, out_channels: int, zero_init_offset: bool = True,
                 act_cfg: dict = dict(type='HSigmoid', bias=3.0, divisor=6.0)):  # noqa: B006
        super().__init__()
        self.zero_init_offset = zero_init_offset
        self.offset_and_mask_dim, self.offset_dim = 3 * 3 * 3, 2 * 3 * 3
        self.spatial_conv_high = DyDCNv2(in_channels, out_channels)
        self.spatial_conv_mid = DyDCNv2(in_channels, out_channels)
        self.spatial_conv_low = DyDCNv2(in_channels, out_channels, stride=2)
        self.spatial_conv_offset = nn.Conv2d(in_channels, self.offset_and_mask_dim, 3, padding=1)
        self.scale_attn_module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(out_channels, 1, 1),
                                               nn.ReLU(inplace=True), build_activation_layer(act_cfg))
        self.task_attn_module = DyReLU(out_channels)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, 0, 0.01)
        if self.zero_init_offset:
            constant_init(self.spatial_conv_offset, 0)

    def _attended(self, feat):
        return feat * self.scale_attn_module(feat)

    def forward(self, x: list) -> list:
        outs = []
        for level, feat in enumerate(x):
            offset_and_mask = self.spatial_conv_offset(feat)
            offset = offset_and_mask[:, :self.offset_dim]
            mask = offset_and_mask[:, self.offset_dim:].sigmoid()
            summed = self._attended(self.spatial_conv_mid(feat, offset, mask))
            count = 1
            if level > 0:
                summed = summed + self._attended(self.spatial_conv_low(x[level - 1], offset, mask))
                count += 1
            if level < len(x) - 1:
                coarse = x[level + 1]
                high = self.spatial_conv_high(coarse, *_leading_view(offset, mask, coarse.shape[-2:]))
                high = F.interpolate(high, size=feat.shape[-2:], mode='bilinear', align_corners=True)
                summed = summed + self._attended(high)
                count += 1
            outs.append(self.task_attn_module(summed / count))
        return outs


@NECKS.register_module()
class DyHead(BaseModule):
    """``num_blocks`` :class:`DyHeadBlock` on the levels of the previous neck; returns as many levels.

    Args:
        in_channels / out_channels: Channels in (first block) and out.
        num_blocks: Defaults to 6.
        zero_init_offset: Start the offsets (and masks' logits) at zero. Defaults to True.
    """

    def __init__(self, in_channels: int, out_channels: int, num_blocks: int = 6, zero_init_offset: bool = True,
                 init_cfg=None):
        if init_cfg is not None:
            raise ValueError('DyHead sets its own initialisation (as mmdet); remove its init_cfg')
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_blocks, self.zero_init_offset = num_blocks, zero_init_offset
        self.dyhead_blocks = nn.Sequential(*[
            DyHeadBlock(in_channels if i == 0 else out_channels, out_channels, zero_init_offset=zero_init_offset)
            for i in range(num_blocks)])

    def forward(self, inputs) -> tuple:
        if not isinstance(inputs, (tuple, list)):
            raise TypeError(f'DyHead takes the list of pyramid levels, got {type(inputs).__name__}')
        return tuple(self.dyhead_blocks(inputs))
