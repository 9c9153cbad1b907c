"""``YOLOXPAFPN``: YOLOX's path-aggregation neck of CSP blocks."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS
from ..utils.csp_layer import YOLOX_ACT, YOLOX_INIT, YOLOX_NORM, CSPLayer, conv_cls


@NECKS.register_module()
class YOLOXPAFPN(BaseModule):
    """Top-down (1x1 reduce, upsample, concatenate, CSP block) then bottom-up (stride-2 conv, concatenate, CSP
    block) over the inputs, each level projected to ``out_channels`` by a 1x1 conv."""

    def __init__(self, in_channels: list, out_channels: int, num_csp_blocks: int = 3, use_depthwise: bool = False,
                 upsample_cfg=dict(scale_factor=2, mode='nearest'), conv_cfg=None,  # noqa: B006
                 norm_cfg=YOLOX_NORM, act_cfg=YOLOX_ACT, init_cfg=YOLOX_INIT):
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        csp = dict(num_blocks=num_csp_blocks, add_identity=False, use_depthwise=use_depthwise, **common)
        self.upsample = nn.Upsample(**upsample_cfg)
        self.reduce_layers, self.top_down_blocks = nn.ModuleList(), nn.ModuleList()
        for idx in range(len(in_channels) - 1, 0, -1):
            self.reduce_layers.append(ConvModule(in_channels[idx], in_channels[idx - 1], 1, **common))
            self.top_down_blocks.append(CSPLayer(in_channels[idx - 1] * 2, in_channels[idx - 1], **csp))
        self.downsamples, self.bottom_up_blocks = nn.ModuleList(), nn.ModuleList()
        for idx in range(len(in_channels) - 1):
            self.downsamples.append(conv_cls(use_depthwise)(in_channels[idx], in_channels[idx], 3, stride=2,
                                                            padding=1, **common))
            self.bottom_up_blocks.append(CSPLayer(in_channels[idx] * 2, in_channels[idx + 1], **csp))
        self.out_convs = nn.ModuleList([ConvModule(c, out_channels, 1, **common) for c in in_channels])

    def forward(self, inputs) -> tuple:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'YOLOXPAFPN got {len(inputs)} feature maps for in_channels {self.in_channels}')
        inner_outs = [inputs[-1]]
        for step, idx in enumerate(range(len(self.in_channels) - 1, 0, -1)):
            high = self.reduce_layers[step](inner_outs[0])
            inner_outs[0] = high
            inner_outs.insert(0, self.top_down_blocks[step](torch.cat([self.upsample(high), inputs[idx - 1]], 1)))
        outs = [inner_outs[0]]
        for idx in range(len(self.in_channels) - 1):
            outs.append(self.bottom_up_blocks[idx](torch.cat([self.downsamples[idx](outs[-1]), inner_outs[idx + 1]],
                                                             1)))
        return tuple(conv(out) for conv, out in zip(self.out_convs, outs))
