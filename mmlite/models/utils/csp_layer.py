"""Cross-stage-partial blocks of YOLOv5/YOLOX: ``DarknetBottleneck`` and ``CSPLayer`` (mmdet names)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...cnn import ConvModule, DepthwiseSeparableConvModule
from ...runner import BaseModule

YOLOX_NORM = dict(type='BN', momentum=0.03, eps=0.001)
YOLOX_ACT = dict(type='Swish')
# mmdet's default init of the YOLOX modules: PyTorch's own conv init, written as a Kaiming rule
YOLOX_INIT = dict(type='Kaiming', layer='Conv2d', a=math.sqrt(5), distribution='uniform', mode='fan_in',
                  nonlinearity='leaky_relu')


def conv_cls(use_depthwise: bool) -> type:
    """The 3x3 convolution block of the YOLOX modules: depthwise-separable or plain."""
    return DepthwiseSeparableConvModule if use_depthwise else ConvModule


class DarknetBottleneck(BaseModule):
    """1x1 conv to ``out_channels * expansion`` then a 3x3 conv, plus the input when ``add_identity`` and the
    channel counts agree."""

    def __init__(self, in_channels: int, out_channels: int, expansion: float = 0.5, add_identity: bool = True,
                 use_depthwise: bool = False, conv_cfg=None, norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT, init_cfg=None):
        super().__init__(init_cfg)
        hidden = int(out_channels * expansion)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, hidden, 1, **common)
        self.conv2 = conv_cls(use_depthwise)(hidden, out_channels, 3, stride=1, padding=1, **common)
        self.add_identity = add_identity and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        return out + x if self.add_identity else out


class CSPLayer(BaseModule):
    """Two 1x1 branches of ``out_channels * expand_ratio`` channels, ``num_blocks`` bottlenecks on the main
    one, concatenated (main first) and fused by a 1x1 conv."""

    def __init__(self, in_channels: int, out_channels: int, expand_ratio: float = 0.5, num_blocks: int = 1,
                 add_identity: bool = True, use_depthwise: bool = False, conv_cfg=None, norm_cfg=YOLOX_NORM,
                 act_cfg=YOLOX_ACT, init_cfg=None):
        super().__init__(init_cfg)
        mid = int(out_channels * expand_ratio)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.main_conv = ConvModule(in_channels, mid, 1, **common)
        self.short_conv = ConvModule(in_channels, mid, 1, **common)
        self.final_conv = ConvModule(2 * mid, out_channels, 1, **common)
        self.blocks = nn.Sequential(*[DarknetBottleneck(mid, mid, 1.0, add_identity, use_depthwise, **common)
                                      for _ in range(num_blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final_conv(torch.cat((self.blocks(self.main_conv(x)), self.short_conv(x)), dim=1))
