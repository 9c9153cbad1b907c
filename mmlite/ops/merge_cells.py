"""Merge cells of NAS-FPN / NAS-FCOS (mmcv.ops.merge_cells names): two inputs resized to one size, fused."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..cnn import ConvModule


class BaseMergeCell(nn.Module):
    """Optional 3x3 conv on each input, resize both to ``out_size`` (default: the larger), a binary op, then an
    optional ``out_conv`` (``out_conv_order``: by default activation, conv, norm).

    Args:
        fused_channels / out_channels: Channels into and out of ``out_conv``.
        with_out_conv / out_conv_cfg / out_norm_cfg / out_conv_order: The output conv.
        with_input1_conv / with_input2_conv / input_conv_cfg / input_norm_cfg: The input convs.
        upsample_mode: ``'nearest'`` or ``'bilinear'`` (downsampling is max pooling).
    """

    def __init__(self, fused_channels: int | None = 256, out_channels: int | None = 256, with_out_conv: bool = True,
                 out_conv_cfg: dict = dict(groups=1, kernel_size=3, padding=1, bias=True),  # noqa: B006
                 out_norm_cfg: dict | None = None, out_conv_order: tuple = ('act', 'conv', 'norm'),
                 with_input1_conv: bool = False, with_input2_conv: bool = False, input_conv_cfg: dict | None = None,
                 input_norm_cfg: dict | None = None, upsample_mode: str = 'nearest'):
        super().__init__()
        if upsample_mode not in ('nearest', 'bilinear'):
            raise ValueError(f"upsample_mode must be 'nearest' or 'bilinear', got {upsample_mode!r}")
        self.with_out_conv, self.upsample_mode = with_out_conv, upsample_mode
        self.with_input1_conv, self.with_input2_conv = with_input1_conv, with_input2_conv
        if with_out_conv:
            self.out_conv = ConvModule(fused_channels, out_channels, **out_conv_cfg, norm_cfg=out_norm_cfg,
                                       order=out_conv_order)
        self.input1_conv = (self._build_input_conv(out_channels, input_conv_cfg, input_norm_cfg)
                            if with_input1_conv else nn.Sequential())
        self.input2_conv = (self._build_input_conv(out_channels, input_conv_cfg, input_norm_cfg)
                            if with_input2_conv else nn.Sequential())

    @staticmethod
    def _build_input_conv(channels, conv_cfg, norm_cfg):
        return ConvModule(channels, channels, 3, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, bias=True)

    def _binary_op(self, x1, x2):
        raise NotImplementedError

    def _resize(self, x, size):
        """Nearest/bilinear upsampling, or zero padding to a multiple and max pooling down (sizes compared as
        mmcv does: lexicographically)."""
        if x.shape[-2:] == size:
            return x
        if x.shape[-2:] < size:
            return F.interpolate(x, size=size, mode=self.upsample_mode)
        h, w = x.shape[-2:]
        if h % size[-2] or w % size[-1]:
            pad_h, pad_w = math.ceil(h / size[0]) * size[0] - h, math.ceil(w / size[1]) * size[1] - w
            x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2), mode='constant', value=0.0)
        kernel = (x.shape[-2] // size[-2], x.shape[-1] // size[-1])
        return F.max_pool2d(x, kernel_size=kernel, stride=kernel)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, out_size: tuple | None = None) -> torch.Tensor:
        if x1.shape[:2] != x2.shape[:2]:
            raise ValueError(f'merge cell inputs differ in batch or channels: {tuple(x1.shape)} vs {tuple(x2.shape)}')
        if out_size is None:
            out_size = max(x1.size()[2:], x2.size()[2:])
        x = self._binary_op(self._resize(self.input1_conv(x1), out_size), self._resize(self.input2_conv(x2), out_size))
        return self.out_conv(x) if self.with_out_conv else x


class SumCell(BaseMergeCell):
    """``x1 + x2``."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)

    def _binary_op(self, x1, x2):
        return x1 + x2


class ConcatCell(BaseMergeCell):
    """``cat([x1, x2])`` (twice the channels into ``out_conv``)."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__(in_channels * 2, out_channels, **kwargs)

    def _binary_op(self, x1, x2):
        return torch.cat([x1, x2], dim=1)


class GlobalPoolingCell(BaseMergeCell):
    """``x2 + sigmoid(global_avg_pool(x2)) * x1``."""

    def __init__(self, in_channels: int | None = None, out_channels: int | None = None, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))

    def _binary_op(self, x1, x2):
        return x2 + self.global_pool(x2).sigmoid() * x1
