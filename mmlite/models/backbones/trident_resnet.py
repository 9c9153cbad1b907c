"""``TridentResNet``: a C4 ResNet whose third stage runs as three weight-sharing branches of different
dilations (TridentNet, Li et al., 2019)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torch.nn.modules.utils import _pair

from ...cnn import build_conv_layer, build_norm_layer
from ...runner import BaseModule
from ..builder import BACKBONES
from .resnet import Bottleneck, ResNet


class TridentConv(BaseModule):
    """One 2-d conv weight applied to each branch's input at that branch's dilation (padding = dilation); in
    eval with ``test_branch_idx >= 0`` only that branch runs."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, trident_dilations=(1, 2, 3),
                 test_branch_idx: int = 1, bias: bool = False, init_cfg=None):
        super().__init__(init_cfg)
        self.num_branch, self.test_branch_idx = len(trident_dilations), test_branch_idx
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.dilations = self.paddings = tuple(trident_dilations)
        self.with_bias = bias
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, out_channels={self.out_channels}, kernel_size={self.kernel_size}, '
                f'num_branch={self.num_branch}, test_branch_idx={self.test_branch_idx}, stride={self.stride}, '
                f'dilations={self.dilations}, bias={self.with_bias}')

    def forward(self, inputs: list) -> list:
        if self.training or self.test_branch_idx == -1:
            return [F.conv2d(x, self.weight, self.bias, self.stride, d, d) for x, d in zip(inputs, self.dilations)]
        if len(inputs) != 1:
            raise ValueError(f'TridentConv in eval runs branch {self.test_branch_idx} only: one input, '
                             f'got {len(inputs)}')
        dilation = self.dilations[self.test_branch_idx]
        return [F.conv2d(inputs[0], self.weight, self.bias, self.stride, dilation, dilation)]


class TridentBottleneck(Bottleneck):
    """A bottleneck over a list of branch inputs (one input is copied to every branch first) whose 3x3 conv is
    a :class:`TridentConv`; with ``concat_output`` the branches leave concatenated along the batch (branch
    major)."""

    def __init__(self, trident_dilations, test_branch_idx: int, concat_output: bool, **kwargs):
        super().__init__(**kwargs)
        self.trident_dilations, self.num_branch = trident_dilations, len(trident_dilations)
        self.concat_output, self.test_branch_idx = concat_output, test_branch_idx
        self.conv2 = TridentConv(self.planes, self.planes, kernel_size=3, stride=self.conv2_stride, bias=False,
                                 trident_dilations=trident_dilations, test_branch_idx=test_branch_idx)

    def _trident_forward(self, x) -> list:
        if isinstance(x, list):
            identity = x
        else:  # the stage's input, copied to each branch (computed per branch, as mmdet: BN statistics)
            x = [x] * (self.num_branch if self.training or self.test_branch_idx == -1 else 1)
            identity = x if self.downsample is None else [self.downsample(b) for b in x]
        out = [self._forward_plugins(self.relu(self.norm1(self.conv1(b))), self.after_conv1_plugin_names) for b in x]
        out = [self._forward_plugins(self.relu(self.norm2(b)), self.after_conv2_plugin_names) for b in self.conv2(out)]
        return [self._forward_plugins(self.norm3(self.conv3(b)), self.after_conv3_plugin_names) + i
                for b, i in zip(out, identity)]

    def forward(self, x):
        if self.with_cp and torch.is_grad_enabled():
            out = cp.checkpoint(self._trident_forward, x, use_reentrant=False)
        else:
            out = self._trident_forward(x)
        out = [self.relu(b) for b in out]
        return torch.cat(out, dim=0) if self.concat_output else out


@BACKBONES.register_module()
class TridentResNet(ResNet):
    """A three-stage (C4) ResNet-50/101/152 whose last stage is trident: ``num_branch`` branches with
    ``trident_dilations``, sharing weights, their outputs stacked along the batch; in eval only
    ``test_branch_idx`` runs (-1: all)."""

    def __init__(self, depth: int, num_branch: int, test_branch_idx: int, trident_dilations, **kwargs):
        if num_branch != len(trident_dilations):
            raise ValueError(f'TridentResNet: num_branch {num_branch} must equal the number of trident_dilations '
                             f'{trident_dilations}')
        if depth not in (50, 101, 152):
            raise ValueError(f'TridentResNet depth must be 50, 101 or 152, got {depth}')
        super().__init__(depth, **kwargs)
        if self.num_stages != 3:
            raise ValueError(f'TridentResNet is a C4 backbone: num_stages must be 3, got {self.num_stages}')
        self.test_branch_idx, self.num_branch = test_branch_idx, num_branch
        last = self.num_stages - 1
        self.add_module(f'layer{last + 1}', self._make_trident_layer(last, trident_dilations))
        self._freeze_stages()

    def _make_trident_layer(self, stage: int, trident_dilations) -> nn.Sequential:
        planes = self.base_channels * 2**stage
        inplanes = self.block.expansion * self.base_channels * 2**(stage - 1)
        stride = self.strides[stage]
        downsample = None
        if stride != 1 or inplanes != planes * self.block.expansion:
            downsample = nn.Sequential(
                build_conv_layer(self.conv_cfg, inplanes, planes * self.block.expansion, kernel_size=1,
                                 stride=stride, bias=False),
                build_norm_layer(self.norm_cfg, planes * self.block.expansion)[1])
        plugins = None if self.plugins is None else self.make_stage_plugins(self.plugins, stage)
        num_blocks = self.stage_blocks[stage]
        return nn.Sequential(*[
            TridentBottleneck(inplanes=inplanes if i == 0 else planes * self.block.expansion, planes=planes,
                              stride=stride if i == 0 else 1, trident_dilations=trident_dilations,
                              downsample=downsample if i == 0 else None, style=self.style, with_cp=self.with_cp,
                              conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                              dcn=self.dcn if self.stage_with_dcn[stage] else None, plugins=plugins,
                              test_branch_idx=self.test_branch_idx, concat_output=i == num_blocks - 1)
            for i in range(num_blocks)])
