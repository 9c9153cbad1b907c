"""``DepthwiseSeparableConvModule``: a depthwise ConvModule followed by a pointwise (1x1) one."""
from __future__ import annotations

import torch
import torch.nn as nn

from .conv_module import ConvModule


class DepthwiseSeparableConvModule(nn.Module):
    """Depthwise ``k x k`` conv (``groups=in_channels``) then pointwise ``1 x 1`` conv, each a ConvModule.

    ``dw_norm_cfg``/``dw_act_cfg``/``pw_norm_cfg``/``pw_act_cfg`` default ('default') to ``norm_cfg`` and
    ``act_cfg``; other ConvModule arguments (``conv_cfg``, ``order``...) go to both.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 norm_cfg: dict | None = None, act_cfg: dict | None = dict(type='ReLU'),  # noqa: B006
                 dw_norm_cfg='default', dw_act_cfg='default', pw_norm_cfg='default', pw_act_cfg='default',
                 **kwargs):
        super().__init__()
        if 'groups' in kwargs:
            raise TypeError('DepthwiseSeparableConvModule sets groups itself (in_channels); do not pass groups')

        def pick(value, default):
            return default if value == 'default' else value

        self.depthwise_conv = ConvModule(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                         dilation=dilation, groups=in_channels, norm_cfg=pick(dw_norm_cfg, norm_cfg),
                                         act_cfg=pick(dw_act_cfg, act_cfg), **kwargs)
        self.pointwise_conv = ConvModule(in_channels, out_channels, 1, norm_cfg=pick(pw_norm_cfg, norm_cfg),
                                         act_cfg=pick(pw_act_cfg, act_cfg), **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise_conv(self.depthwise_conv(x))
