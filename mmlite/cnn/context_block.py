"""``ContextBlock``: the global context block of GCNet (a plugin layer)."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..runner.weight_init import constant_init, kaiming_init
from .plugin import PLUGIN_LAYERS

_FUSIONS = ('channel_add', 'channel_mul')


def _transform(in_channels: int, planes: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, planes, kernel_size=1), nn.LayerNorm([planes, 1, 1]), nn.ReLU(inplace=True),
        nn.Conv2d(planes, in_channels, kernel_size=1))


@PLUGIN_LAYERS.register_module()
class ContextBlock(nn.Module):
    """Pools a global context vector (attention-weighted with ``pooling_type='att'``, or the mean with
    'avg'), transforms it through a bottleneck of ``int(in_channels * ratio)`` channels and fuses it into
    every position by addition ('channel_add') and/or gating ('channel_mul')."""

    _abbr_ = 'context_block'

    def __init__(self, in_channels: int, ratio: float, pooling_type: str = 'att',
                 fusion_types: tuple = ('channel_add', )):
        super().__init__()
        if pooling_type not in ('avg', 'att'):
            raise ValueError(f"ContextBlock: pooling_type must be 'avg' or 'att', got {pooling_type!r}")
        if not isinstance(fusion_types, (list, tuple)) or not fusion_types \
                or any(f not in _FUSIONS for f in fusion_types):
            raise ValueError(f'ContextBlock: fusion_types must be a non-empty list of {_FUSIONS}, '
                             f'got {fusion_types!r}')
        self.in_channels, self.ratio = in_channels, ratio
        self.planes = int(in_channels * ratio)
        self.pooling_type, self.fusion_types = pooling_type, fusion_types
        if pooling_type == 'att':
            self.conv_mask = nn.Conv2d(in_channels, 1, kernel_size=1)
            self.softmax = nn.Softmax(dim=2)
        else:
            self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.channel_add_conv = _transform(in_channels, self.planes) if 'channel_add' in fusion_types else None
        self.channel_mul_conv = _transform(in_channels, self.planes) if 'channel_mul' in fusion_types else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming (fan_in) attention mask; the last conv of each fusion branch starts at zero."""
        if self.pooling_type == 'att':
            kaiming_init(self.conv_mask, mode='fan_in')
            self.conv_mask.inited = True
        for branch in (self.channel_add_conv, self.channel_mul_conv):
            if branch is not None:
                constant_init(branch[-1], val=0)

    def spatial_pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.pooling_type == 'avg':
            return self.avg_pool(x)
        batch, channels, height, width = x.shape
        weights = self.softmax(self.conv_mask(x).view(batch, 1, height * width))  # (N, 1, HW)
        return torch.bmm(x.view(batch, channels, height * width), weights.transpose(1, 2)).view(
            batch, channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        context = self.spatial_pool(x)
        out = x
        if self.channel_mul_conv is not None:
            out = out * torch.sigmoid(self.channel_mul_conv(context))
        if self.channel_add_conv is not None:
            out = out + self.channel_add_conv(context)
        return out
