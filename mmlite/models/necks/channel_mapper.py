"""``ChannelMapper``: map each input level to ``out_channels`` (and add stride-2 extra levels)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS


@NECKS.register_module()
class ChannelMapper(BaseModule):
    """One ``kernel_size`` ConvModule per input level to ``out_channels``; with ``num_outs`` above the inputs,
    stride-2 3x3 ConvModules add levels (the first from the last input, the others from the previous output).

    Args:
        in_channels: Channels of each input level (a list).
        out_channels: Output channels.
        kernel_size: Kernel of the mapping convs. Defaults to 3.
        conv_cfg / norm_cfg / act_cfg: ConvModule configs (ReLU by default).
        num_outs: Output levels (default: as many as inputs).
    """

    def __init__(self, in_channels: list, out_channels: int, kernel_size: int = 3, conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'), num_outs: int | None = None,  # noqa: B006
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):  # noqa: B006
        super().__init__(init_cfg)
        if not isinstance(in_channels, list):
            raise TypeError(f'ChannelMapper.in_channels must be a list, got {in_channels!r}')
        num_outs = len(in_channels) if num_outs is None else num_outs
        self.convs = nn.ModuleList([
            ConvModule(channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=act_cfg) for channels in in_channels])
        self.extra_convs = None
        if num_outs > len(in_channels):
            self.extra_convs = nn.ModuleList([
                ConvModule(in_channels[-1] if i == len(in_channels) else out_channels, out_channels, 3, stride=2,
                           padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
                for i in range(len(in_channels), num_outs)])

    def forward(self, inputs) -> tuple:
        if len(inputs) != len(self.convs):
            raise ValueError(f'ChannelMapper expects {len(self.convs)} input levels, got {len(inputs)}')
        outs = [conv(x) for conv, x in zip(self.convs, inputs)]
        for i, conv in enumerate(self.extra_convs or []):
            outs.append(conv(inputs[-1] if i == 0 else outs[-1]))
        return tuple(outs)
