"""``SSDNeck``: SSD's L2-normalised first level plus extra downsampling levels."""
from __future__ import annotations

import copy

import torch
import torch.nn as nn

from ...cnn import ConvModule, DepthwiseSeparableConvModule
from ...runner import BaseModule
from ..builder import NECKS


class L2Norm(nn.Module):
    """Channel-wise L2 normalisation with a learnt per-channel scale (initialised to ``scale``)."""

    def __init__(self, n_dims: int, scale: float = 20., eps: float = 1e-10):
        super().__init__()
        self.n_dims, self.eps, self.scale = n_dims, eps, scale
        self.weight = nn.Parameter(torch.Tensor(self.n_dims))

    def forward(self, x):
        x_float = x.float()
        norm = x_float.pow(2).sum(1, keepdim=True).sqrt() + self.eps
        return (self.weight[None, :, None, None].float().expand_as(x_float) * x_float / norm).type_as(x)


@NECKS.register_module()
class SSDNeck(BaseModule):
    """The backbone's outputs (the first L2-normalised) plus, per extra level, a 1x1 conv halving the
    channels and a strided 3x3 conv.

    Args:
        in_channels: Channels of the backbone outputs.
        out_channels: Channels of all outputs (the inputs' first).
        level_strides / level_paddings: Of each extra level's second conv.
        l2_norm_scale: Initial L2 scale of the first level (None: no L2 norm).
        last_kernel_size: Kernel of the last level's second conv. Defaults to 3.
        use_depthwise: Depthwise separable second convs (SSDLite).
    """

    def __init__(self, in_channels, out_channels, level_strides, level_paddings, l2_norm_scale=20.,
                 last_kernel_size: int = 3, use_depthwise: bool = False, conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'),  # noqa: B006
                 init_cfg=[dict(type='Xavier', distribution='uniform', layer='Conv2d'),  # noqa: B006
                           dict(type='Constant', val=1, layer='BatchNorm2d')]):
        # a copy: mmdet appended the L2 init to its shared default list, which grew with every instance
        super().__init__(copy.deepcopy(init_cfg))
        extra_channels = out_channels[len(in_channels):]
        consistent = len(extra_channels) == len(level_strides) == len(level_paddings) >= 1
        if not consistent or tuple(in_channels) != tuple(out_channels[:len(in_channels)]):
            raise ValueError('SSDNeck: out_channels must start with in_channels and add one level per '
                             f'level_strides/level_paddings entry; got in={in_channels}, out={out_channels}, '
                             f'strides={level_strides}, paddings={level_paddings}')
        if l2_norm_scale:
            self.l2_norm = L2Norm(in_channels[0], l2_norm_scale)
            self.init_cfg = list(self.init_cfg) + [dict(type='Constant', val=self.l2_norm.scale,
                                                        override=dict(name='l2_norm'))]
        second_conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.extra_layers = nn.ModuleList()
        for i, (channels, stride, padding) in enumerate(zip(extra_channels, level_strides, level_paddings)):
            kernel_size = last_kernel_size if i == len(extra_channels) - 1 else 3
            self.extra_layers.append(nn.Sequential(
                ConvModule(out_channels[len(in_channels) - 1 + i], channels // 2, 1, **cfg),
                second_conv(channels // 2, channels, kernel_size, stride=stride, padding=padding, **cfg)))

    def forward(self, inputs):
        outs = list(inputs)
        if hasattr(self, 'l2_norm'):
            outs[0] = self.l2_norm(outs[0])
        feat = outs[-1]
        for layer in self.extra_layers:
            feat = layer(feat)
            outs.append(feat)
        return tuple(outs)
