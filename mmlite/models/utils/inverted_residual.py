"""MobileNet blocks: ``make_divisible`` and ``InvertedResidual`` (with optional ``SELayer``)."""
from __future__ import annotations

import torch.nn as nn
import torch.utils.checkpoint as cp

from ...cnn import ConvModule, DropPath
from ...runner import BaseModule


def make_divisible(value: float, divisor: int, min_value: int | None = None, min_ratio: float = 0.9) -> int:
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, default ``divisor``),
    never below ``min_ratio * value``."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < min_ratio * value else rounded


class SELayer(BaseModule):
    """Squeeze-and-excitation: channel weights from pooled features through two 1x1 convs."""

    def __init__(self, channels: int, ratio: int = 16, conv_cfg=None,
                 act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')), init_cfg=None):
        super().__init__(init_cfg)
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if len(act_cfg) != 2:
            raise ValueError(f'SELayer.act_cfg must be a dict or two dicts, got {act_cfg}')
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, int(channels / ratio), 1, stride=1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(int(channels / ratio), channels, 1, stride=1, conv_cfg=conv_cfg, act_cfg=act_cfg[1])

    def forward(self, x):
        return x * self.conv2(self.conv1(self.global_avgpool(x)))


class InvertedResidual(BaseModule):
    """MobileNetV2's block: (1x1 expand) -> depthwise conv -> (SE) -> linear 1x1, plus the input when the
    shapes allow.

    Args:
        in_channels / out_channels / mid_channels: Widths (``mid_channels == in_channels`` without expansion).
        kernel_size / stride: Of the depthwise conv (stride 1 or 2).
        se_cfg: ``SELayer`` arguments, or None.
        with_expand_conv: Use the 1x1 expansion.
        drop_path_rate: Stochastic depth of the residual branch.
        with_cp: Gradient checkpointing.
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int, kernel_size: int = 3,
                 stride: int = 1, se_cfg=None, with_expand_conv: bool = True, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'),  # noqa: B006
                 drop_path_rate: float = 0., with_cp: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'stride must in [1, 2]. But received {stride}.')
        if not with_expand_conv and mid_channels != in_channels:
            raise ValueError('InvertedResidual without expand conv needs mid_channels == in_channels')
        self.with_res_shortcut = stride == 1 and in_channels == out_channels
        self.with_cp, self.with_se, self.with_expand_conv = with_cp, se_cfg is not None, with_expand_conv
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if with_expand_conv:
            self.expand_conv = ConvModule(in_channels, mid_channels, 1, stride=1, padding=0, act_cfg=act_cfg, **cfg)
        self.depthwise_conv = ConvModule(mid_channels, mid_channels, kernel_size, stride=stride,
                                         padding=kernel_size // 2, groups=mid_channels, act_cfg=act_cfg, **cfg)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.linear_conv = ConvModule(mid_channels, out_channels, 1, stride=1, padding=0, act_cfg=None, **cfg)

    def _inner_forward(self, x):
        out = self.expand_conv(x) if self.with_expand_conv else x
        out = self.depthwise_conv(out)
        if self.with_se:
            out = self.se(out)
        out = self.linear_conv(out)
        return x + self.drop_path(out) if self.with_res_shortcut else out

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        return self._inner_forward(x)
