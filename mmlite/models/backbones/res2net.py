"""``Res2Net``: ResNet whose bottlenecks split their 3x3 conv into hierarchical scales (mmdet 2.x arguments
and parameter names)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from ...cnn import build_conv_layer, build_norm_layer
from ..builder import BACKBONES
from .resnet import Bottleneck, ResLayer, ResNet


class Bottle2neck(Bottleneck):
    """Bottleneck whose 3x3 conv is ``scales - 1`` convs on channel groups of ``width``, each fed the previous
    group's output plus its own slice (``stage_type='normal'``) or its slice alone (``'stage'``, the first
    block of a stage, whose last slice is average-pooled when striding).
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, scales: int = 4, base_width: int = 26, base_channels: int = 64,
                 stage_type: str = 'normal', **kwargs):
        super().__init__(inplanes, planes, **kwargs)
        if scales <= 1:
            raise ValueError('Res2Net degenerates to ResNet when scales = 1.')
        width = int(math.floor(self.planes * (base_width / base_channels)))
        # re-registered under the same names, so the state dict keeps Bottleneck's order
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, width * scales, postfix=1)
        self.norm3_name, norm3 = build_norm_layer(self.norm_cfg, self.planes * self.expansion, postfix=3)
        self.conv1 = build_conv_layer(self.conv_cfg, self.inplanes, width * scales, kernel_size=1,
                                      stride=self.conv1_stride, bias=False)
        self.add_module(self.norm1_name, norm1)
        if stage_type == 'stage' and self.conv2_stride != 1:
            self.pool = nn.AvgPool2d(kernel_size=3, stride=self.conv2_stride, padding=1)
        self.convs = nn.ModuleList([
            build_conv_layer(self.conv2_cfg, width, width, kernel_size=3, stride=self.conv2_stride,
                             padding=self.dilation, dilation=self.dilation, bias=False) for _ in range(scales - 1)])
        self.bns = nn.ModuleList([build_norm_layer(self.norm_cfg, width, postfix=i + 1)[1] for i in range(scales - 1)])
        self.conv3 = build_conv_layer(self.conv_cfg, width * scales, self.planes * self.expansion, kernel_size=1,
                                      bias=False)
        self.add_module(self.norm3_name, norm3)
        self.stage_type, self.scales, self.width = stage_type, scales, width
        delattr(self, 'conv2')
        delattr(self, self.norm2_name)

    def _inner_forward(self, x):
        out = self._forward_plugins(self.relu(self.norm1(self.conv1(x))), self.after_conv1_plugin_names)
        splits = torch.split(out, self.width, 1)
        sp = self.relu(self.bns[0](self.convs[0](splits[0].contiguous())))
        pieces = [sp]
        for i in range(1, self.scales - 1):
            sp = splits[i] if self.stage_type == 'stage' else sp + splits[i]
            sp = self.relu(self.bns[i](self.convs[i](sp.contiguous())))
            pieces.append(sp)
        last = splits[self.scales - 1]
        pieces.append(self.pool(last) if self.stage_type == 'stage' and self.conv2_stride != 1 else last)
        out = self._forward_plugins(torch.cat(pieces, 1), self.after_conv2_plugin_names)
        out = self._forward_plugins(self.norm3(self.conv3(out)), self.after_conv3_plugin_names)
        return out + (x if self.downsample is None else self.downsample(x))


class Res2Layer(ResLayer):
    """A Res2Net stage: average-pooled shortcut projection, the first block of ``stage_type='stage'``."""

    def __init__(self, block, inplanes: int, planes: int, num_blocks: int, stride: int = 1, avg_down: bool = True,
                 conv_cfg=None, norm_cfg=dict(type='BN'), scales: int = 4, base_width: int = 26,  # noqa: B006
                 **kwargs):
        super().__init__(block, inplanes, planes, num_blocks, stride=stride, avg_down=True, conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg, first_block_args=dict(stage_type='stage'), scales=scales,
                         base_width=base_width, **kwargs)


@BACKBONES.register_module()
class Res2Net(ResNet):
    """Res2Net-50/101/152 (``scales`` x ``base_width``, e.g. 26w x 4s); always the pytorch style, deep stem and
    average-pooled shortcuts (as mmdet, whatever ``style``/``deep_stem``/``avg_down`` say)."""

    arch_settings = {50: (Bottle2neck, (3, 4, 6, 3)), 101: (Bottle2neck, (3, 4, 23, 3)),
                     152: (Bottle2neck, (3, 8, 36, 3))}

    def __init__(self, scales: int = 4, base_width: int = 26, style: str = 'pytorch', deep_stem: bool = True,
                 avg_down: bool = True, pretrained=None, init_cfg=None, **kwargs):
        self.scales, self.base_width = scales, base_width
        super().__init__(style='pytorch', deep_stem=True, avg_down=True, pretrained=pretrained, init_cfg=init_cfg,
                         **kwargs)

    def make_res_layer(self, **kwargs) -> Res2Layer:
        return Res2Layer(scales=self.scales, base_width=self.base_width, base_channels=self.base_channels, **kwargs)
