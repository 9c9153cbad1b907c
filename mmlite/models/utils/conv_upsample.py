"""``ConvUpsample``: 3x3 ConvModules, the first ``num_upsample`` of them followed by a 2x bilinear upsampling."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...cnn import ConvModule
from ...runner import BaseModule, ModuleList


class ConvUpsample(BaseModule):
    """``num_layers`` 3x3 ConvModules (``in_channels`` → ``inner_channels``); each of the first
    ``num_upsample`` (default: all) is followed by a 2x bilinear upsampling. ``kwargs`` go to ConvModule."""

    def __init__(self, in_channels: int, inner_channels: int, num_layers: int = 1, num_upsample: int | None = None,
                 conv_cfg: dict | None = None, norm_cfg: dict | None = None, init_cfg=None, **kwargs):
        super().__init__(init_cfg)
        num_upsample = num_layers if num_upsample is None else num_upsample
        if num_upsample > num_layers:
            raise ValueError(f'num_upsample ({num_upsample}) must be no more than num_layers ({num_layers})')
        self.num_layers, self.num_upsample = num_layers, num_upsample
        self.conv = ModuleList(
            ConvModule(in_channels if i == 0 else inner_channels, inner_channels, 3, padding=1, stride=1,
                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs) for i in range(num_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.conv):
            x = conv(x)
            if i < self.num_upsample:
                x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
        return x
