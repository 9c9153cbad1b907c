"""``PAFPN``: FPN with PANet's extra bottom-up path."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ..builder import NECKS
from .fpn import FPN


@NECKS.register_module()
class PAFPN(FPN):
    """Path Aggregation Network (Liu et al., 2018): after FPN's top-down path, each level's output is added
    to a stride-2 conv of the level below, then refined by a 3x3 conv (``downsample_convs`` and
    ``pafpn_convs``). Arguments as :class:`FPN` (without ``upsample_cfg``: nearest upsampling)."""

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, start_level: int = 0,
                 end_level: int = -1, add_extra_convs=False, relu_before_extra_convs: bool = False,
                 no_norm_on_lateral: bool = False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):  # noqa: B006
        super().__init__(in_channels, out_channels, num_outs, start_level, end_level, add_extra_convs,
                         relu_before_extra_convs, no_norm_on_lateral, conv_cfg, norm_cfg, act_cfg, init_cfg=init_cfg)
        self.downsample_convs, self.pafpn_convs = nn.ModuleList(), nn.ModuleList()
        for _ in range(self.start_level + 1, self.backbone_end_level):
            self.downsample_convs.append(ConvModule(out_channels, out_channels, 3, stride=2, padding=1,
                                                    conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                                                    inplace=False))
            self.pafpn_convs.append(ConvModule(out_channels, out_channels, 3, padding=1, conv_cfg=conv_cfg,
                                               norm_cfg=norm_cfg, act_cfg=act_cfg, inplace=False))

    def _level_outputs(self, laterals: list) -> list:
        inter = super()._level_outputs(laterals)
        for i in range(len(inter) - 1):
            inter[i + 1] = inter[i + 1] + self.downsample_convs[i](inter[i])
        return [inter[0]] + [conv(x) for conv, x in zip(self.pafpn_convs, inter[1:])]
