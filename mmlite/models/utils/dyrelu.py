"""``DyReLU``: dynamic ReLU (Chen et al., 2020) with mmdet's names: a per-channel max of two linear pieces
whose slopes and intercepts come from the globally pooled input."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule


class DyReLU(BaseModule):
    """``max(a1 * x + b1, a2 * x + b2)`` per channel, the coefficients from a squeeze-excitation branch
    (``conv1`` to ``channels / ratio``, ``conv2`` to ``4 * channels``; ``act_cfg``: their activations, a pair
    or one for both; the second maps into [0, 1], shifted to [-0.5, 0.5]); ``a1`` is centred on 1, the rest
    on 0, so it starts close to a ReLU."""

    def __init__(self, channels: int, ratio: int = 4, conv_cfg=None,
                 act_cfg=(dict(type='ReLU'), dict(type='HSigmoid', bias=3.0, divisor=6.0)), init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if len(act_cfg) != 2 or not all(isinstance(cfg, dict) for cfg in act_cfg):
            raise ValueError(f'DyReLU.act_cfg must be one dict or two, got {act_cfg!r}')
        self.channels, self.expansion = channels, 4  # a1, b1, a2, b2
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, int(channels / ratio), 1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(int(channels / ratio), channels * self.expansion, 1, conv_cfg=conv_cfg,
                                act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coeffs = self.conv2(self.conv1(self.global_avgpool(x))) - 0.5
        a1, b1, a2, b2 = torch.split(coeffs, self.channels, dim=1)
        return torch.max(x * (a1 * 2.0 + 1.0) + b1, x * (a2 * 2.0) + b2)
