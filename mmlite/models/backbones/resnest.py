"""``ResNeSt``: ResNet-D whose bottlenecks use split-attention 3x3 convs (mmdet 2.x arguments and parameter
names)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import build_conv_layer, build_norm_layer
from ...runner import BaseModule
from ..builder import BACKBONES
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResLayer, ResNetV1d


class RSoftmax(nn.Module):
    """The split-attention weights: a softmax over the ``radix`` splits within each of ``groups`` (a sigmoid
    when ``radix`` is 1)."""

    def __init__(self, radix: int, groups: int):
        super().__init__()
        self.radix, self.groups = radix, groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.size(0)
        if self.radix == 1:
            return torch.sigmoid(x)
        return F.softmax(x.view(batch, self.groups, self.radix, -1).transpose(1, 2), dim=1).reshape(batch, -1)


class SplitAttentionConv2d(BaseModule):
    """A grouped conv producing ``radix`` splits of ``channels``, then attention over the splits from their
    pooled sum (``fc1`` -> ``norm1`` -> ReLU -> ``fc2`` -> :class:`RSoftmax`); returns the weighted sum.
    ``conv_cfg`` may be a DCN config (mmlite's :class:`~mmlite.models.backbones.resnet.Bottleneck` resolves
    ``dcn`` and ``fallback_on_stride`` into it)."""

    def __init__(self, in_channels: int, channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, radix: int = 2, reduction_factor: int = 4, conv_cfg: dict | None = None,
                 norm_cfg: dict = dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg)
        inter_channels = max(in_channels * radix // reduction_factor, 32)
        self.radix, self.groups, self.channels = radix, groups, channels
        self.conv = build_conv_layer(conv_cfg, in_channels, channels * radix, kernel_size, stride=stride,
                                     padding=padding, dilation=dilation, groups=groups * radix, bias=False)
        self.norm0_name, norm0 = build_norm_layer(norm_cfg, channels * radix, postfix=0)
        self.add_module(self.norm0_name, norm0)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = build_conv_layer(None, channels, inter_channels, 1, groups=groups)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, inter_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.fc2 = build_conv_layer(None, inter_channels, channels * radix, 1, groups=groups)
        self.rsoftmax = RSoftmax(radix, groups)

    @property
    def norm0(self) -> nn.Module:
        return getattr(self, self.norm0_name)

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.norm0(self.conv(x)))
        batch = x.size(0)
        splits = x.view(batch, self.radix, -1, *x.shape[2:]) if self.radix > 1 else None
        pooled = F.adaptive_avg_pool2d(splits.sum(dim=1) if splits is not None else x, 1)
        attention = self.rsoftmax(self.fc2(self.relu(self.norm1(self.fc1(pooled))))).view(batch, -1, 1, 1)
        if splits is None:
            return (attention * x).contiguous()
        return (attention.view(batch, self.radix, -1, 1, 1) * splits).sum(dim=1).contiguous()


class Bottleneck(_Bottleneck):
    """ResNeSt's bottleneck: ResNet's, with a :class:`SplitAttentionConv2d` as ``conv2`` (no ``norm2``: the
    split attention normalises inside) and, with ``avg_down_stride``, its stride moved to a 3x3 average pool
    after it (``avd_layer``)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, groups: int = 1, base_width: int = 4, base_channels: int = 64,
                 radix: int = 2, reduction_factor: int = 4, avg_down_stride: bool = True, **kwargs):
        super().__init__(inplanes, planes, **kwargs)
        width = self.planes if groups == 1 else math.floor(self.planes * (base_width / base_channels)) * groups
        self.avg_down_stride = avg_down_stride and self.conv2_stride > 1
        # re-registered under the same names, so the state dict keeps mmdet's order
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, width, postfix=1)
        self.norm3_name, norm3 = build_norm_layer(self.norm_cfg, self.planes * self.expansion, postfix=3)
        self.conv1 = build_conv_layer(self.conv_cfg, self.inplanes, width, kernel_size=1, stride=self.conv1_stride,
                                      bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = SplitAttentionConv2d(width, width, kernel_size=3,
                                          stride=1 if self.avg_down_stride else self.conv2_stride,
                                          padding=self.dilation, dilation=self.dilation, groups=groups, radix=radix,
                                          reduction_factor=reduction_factor, conv_cfg=self.conv2_cfg,
                                          norm_cfg=self.norm_cfg)
        delattr(self, self.norm2_name)
        if self.avg_down_stride:
            self.avd_layer = nn.AvgPool2d(3, self.conv2_stride, padding=1)
        self.conv3 = build_conv_layer(self.conv_cfg, width, self.planes * self.expansion, kernel_size=1, bias=False)
        self.add_module(self.norm3_name, norm3)

    def _inner_forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self._forward_plugins(self.relu(self.norm1(self.conv1(x))), self.after_conv1_plugin_names)
        out = self.conv2(out)
        if self.avg_down_stride:
            out = self.avd_layer(out)
        out = self._forward_plugins(out, self.after_conv2_plugin_names)
        out = self._forward_plugins(self.norm3(self.conv3(out)), self.after_conv3_plugin_names)
        return out + identity


@BACKBONES.register_module()
class ResNeSt(ResNetV1d):
    """ResNeSt-50/101/152/200: ResNet-D (deep stem, average-pooled shortcuts) with split-attention bottlenecks
    of ``radix`` splits (``reduction_factor``: width reduction of the attention's hidden layer; at least 32);
    ``groups``/``base_width`` as ResNeXt's; every other argument is ResNet's."""

    arch_settings = {50: (Bottleneck, (3, 4, 6, 3)), 101: (Bottleneck, (3, 4, 23, 3)),
                     152: (Bottleneck, (3, 8, 36, 3)), 200: (Bottleneck, (3, 24, 36, 3))}

    def __init__(self, groups: int = 1, base_width: int = 4, radix: int = 2, reduction_factor: int = 4,
                 avg_down_stride: bool = True, **kwargs):
        # set before ResNet.__init__, which builds the stages through make_res_layer
        self.groups, self.base_width, self.radix = groups, base_width, radix
        self.reduction_factor, self.avg_down_stride = reduction_factor, avg_down_stride
        super().__init__(**kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        return ResLayer(groups=self.groups, base_width=self.base_width, base_channels=self.base_channels,
                        radix=self.radix, reduction_factor=self.reduction_factor,
                        avg_down_stride=self.avg_down_stride, **kwargs)

    def _residual_norm_name(self):
        # as ResNeXt: mmdet 2.x's zero_init_residual only acts on ResNet's own block types
        return None
