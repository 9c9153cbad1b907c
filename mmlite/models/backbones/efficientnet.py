"""``EfficientNet`` (Tan & Le, 2019; mmdet 2.x's, with mmcls's layer table and scaling): b0-b8 and the
EdgeTPU-style es/em/el variants."""
from __future__ import annotations

import copy
import math
from functools import partial

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from ...cnn import ConvModule, DropPath
from ...runner import BaseModule, Sequential
from ..builder import BACKBONES
from ..utils import InvertedResidual, SELayer, make_divisible

# per stage, per block: [kernel, out channels, se ratio, stride, expand ratio, block type (-1 conv, 0 MBConv,
# 1 fused EdgeResidual)]
LAYER_SETTINGS = {
    'b': [[[3, 32, 0, 2, 0, -1]], [[3, 16, 4, 1, 1, 0]], [[3, 24, 4, 2, 6, 0], [3, 24, 4, 1, 6, 0]],
          [[5, 40, 4, 2, 6, 0], [5, 40, 4, 1, 6, 0]],
          [[3, 80, 4, 2, 6, 0], [3, 80, 4, 1, 6, 0], [3, 80, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0],
           [5, 112, 4, 1, 6, 0]],
          [[5, 192, 4, 2, 6, 0], [5, 192, 4, 1, 6, 0], [5, 192, 4, 1, 6, 0], [5, 192, 4, 1, 6, 0],
           [3, 320, 4, 1, 6, 0]], [[1, 1280, 0, 1, 0, -1]]],
    'e': [[[3, 32, 0, 2, 0, -1]], [[3, 24, 0, 1, 3, 1]], [[3, 32, 0, 2, 8, 1], [3, 32, 0, 1, 8, 1]],
          [[3, 48, 0, 2, 8, 1], [3, 48, 0, 1, 8, 1], [3, 48, 0, 1, 8, 1], [3, 48, 0, 1, 8, 1]],
          [[5, 96, 0, 2, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0],
           [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0]],
          [[5, 192, 0, 2, 8, 0], [5, 192, 0, 1, 8, 0]], [[1, 1280, 0, 1, 0, -1]]],
}
# arch: (width factor, depth factor, input resolution)
ARCH_SETTINGS = {'b0': (1.0, 1.0, 224), 'b1': (1.0, 1.1, 240), 'b2': (1.1, 1.2, 260), 'b3': (1.2, 1.4, 300),
                 'b4': (1.4, 1.8, 380), 'b5': (1.6, 2.2, 456), 'b6': (1.8, 2.6, 528), 'b7': (2.0, 3.1, 600),
                 'b8': (2.2, 3.6, 672), 'es': (1.0, 1.0, 224), 'em': (1.0, 1.1, 240), 'el': (1.2, 1.4, 300)}


class EdgeResidual(BaseModule):
    """A fused MBConv: a ``kernel_size`` conv to ``mid_channels`` (activation), optional SE, a strided 1x1
    conv (no activation); the input added (with stochastic depth) when shapes match and ``with_residual``."""

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int, kernel_size: int = 3, stride: int = 1,
                 se_cfg=None, with_residual: bool = True, conv_cfg=None, norm_cfg=dict(type='BN'),  # noqa: B006
                 act_cfg=dict(type='ReLU'), drop_path_rate: float = 0.0, with_cp: bool = False,  # noqa: B006
                 init_cfg=None, **kwargs):
        super().__init__(init_cfg=init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'EdgeResidual stride must be 1 or 2, got {stride}')
        self.with_cp, self.with_se = with_cp, se_cfg is not None
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()
        self.with_residual = stride == 1 and in_channels == out_channels and with_residual
        self.conv1 = ConvModule(in_channels, mid_channels, kernel_size, stride=1, padding=kernel_size // 2,
                                conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.conv2 = ConvModule(mid_channels, out_channels, 1, stride=stride, padding=0, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg, act_cfg=None)

    def _inner_forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        if self.with_se:
            out = self.se(out)
        out = self.conv2(out)
        return x + self.drop_path(out) if self.with_residual else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._inner_forward, x, use_reentrant=False)
        return self._inner_forward(x)


def model_scaling(layer_setting: list, arch_setting: tuple) -> list:
    """The layer table scaled to an arch: widths by its width factor (multiples of 8), the middle stages split
    where the width changes, repeated by its depth factor (extra copies of a stage's last block), and stages
    starting with a stride-1 block merged into the previous one."""
    scaled = copy.deepcopy(layer_setting)
    for stage in scaled:
        for block in stage:
            block[1] = make_divisible(block[1] * arch_setting[0], 8)
    split = [scaled[0]]
    for stage in scaled[1:-1]:
        bounds = [0] + [i + 1 for i in range(len(stage) - 1) if stage[i + 1][1] != stage[i][1]] + [len(stage)]
        split += [stage[start:end] for start, end in zip(bounds[:-1], bounds[1:])]
    split.append(scaled[-1])
    merged = [split[0]]
    for i, stage in enumerate(split[1:-1]):
        depth = int(math.ceil(arch_setting[1] * len(stage)))
        blocks = stage[:depth] if depth <= len(stage) else copy.deepcopy(stage) + [stage[-1]] * (depth - len(stage))
        if blocks[0][3] == 1 and i != 0:
            merged[-1] += blocks.copy()
        else:
            merged.append(blocks.copy())
    merged.append(split[-1])
    return merged


@BACKBONES.register_module()
class EfficientNet(BaseModule):
    """EfficientNet stages (stem conv, MBConv or fused-MBConv stages, final 1x1 conv), as mmdet 2.x builds them.

    Args:
        arch: 'b0'..'b8', 'es', 'em', 'el'.
        drop_path_rate: Stochastic depth, rising linearly over the blocks.
        out_indices: Stages returned (0: stem ... 6: the final conv). frozen_stages: Stages frozen from the stem.
        conv_cfg / norm_cfg / act_cfg: Of every conv (TF-style same padding, BN eps 1e-3, Swish by default).
        norm_eval / with_cp: BN in eval mode while training; gradient checkpointing.
    """

    layer_settings = LAYER_SETTINGS
    arch_settings = ARCH_SETTINGS

    def __init__(self, arch: str = 'b0', drop_path_rate: float = 0., out_indices=(6, ), frozen_stages: int = 0,
                 conv_cfg=dict(type='Conv2dAdaptivePadding'), norm_cfg=dict(type='BN', eps=1e-3),  # noqa: B006
                 act_cfg=dict(type='Swish'), norm_eval: bool = False, with_cp: bool = False,  # noqa: B006
                 init_cfg=[dict(type='Kaiming', layer='Conv2d'),  # noqa: B006
                           dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)]):
        super().__init__(init_cfg)
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'"{arch}" is not one of the arch_settings ({", ".join(ARCH_SETTINGS)})')
        num_stages = len(LAYER_SETTINGS[arch[:1]])
        if any(index not in range(num_stages) for index in out_indices):
            raise ValueError(f'the items of out_indices must be in range(0, {num_stages}), got {out_indices}')
        if frozen_stages not in range(num_stages + 1):
            raise ValueError(f'frozen_stages must be in range(0, {num_stages + 1}), got {frozen_stages}')
        self.arch_setting = ARCH_SETTINGS[arch]
        self.drop_path_rate, self.out_indices, self.frozen_stages = drop_path_rate, out_indices, frozen_stages
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.norm_eval, self.with_cp = norm_eval, with_cp
        self.layer_setting = model_scaling(LAYER_SETTINGS[arch[:1]], self.arch_setting)
        first, last = self.layer_setting[0][0], self.layer_setting[-1][0]
        self.in_channels, self.out_channels = make_divisible(first[1], 8), last[1]
        self.layers = nn.ModuleList([self._conv(3, self.in_channels, first)])
        self.make_layer()
        if len(self.layers) < max(self.out_indices) + 1:
            self.layers.append(self._conv(self.in_channels, self.out_channels, last))

    def _conv(self, in_channels: int, out_channels: int, block: list) -> ConvModule:
        return ConvModule(in_channels, out_channels, block[0], stride=block[3], padding=block[0] // 2,
                          conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)

    def make_layer(self) -> None:
        stages = self.layer_setting[1:-1]
        rates = torch.linspace(0, self.drop_path_rate, sum(len(stage) for stage in stages)).tolist()
        block_idx = 0
        for stage_idx, stage in enumerate(stages):
            if stage_idx > max(self.out_indices) - 1:
                break
            blocks = []
            for i, (kernel_size, out_channels, se_ratio, stride, expand_ratio, block_type) in enumerate(stage):
                block = InvertedResidual
                if block_type == 1:  # fused: after the first, an expand ratio of 3 becomes 4 without residual
                    with_residual = not (i > 0 and expand_ratio == 3)
                    expand_ratio = 4 if not with_residual else expand_ratio
                    block = partial(EdgeResidual, with_residual=with_residual)
                mid_channels = int(self.in_channels * expand_ratio)
                se_cfg = None if se_ratio <= 0 else dict(channels=mid_channels, ratio=expand_ratio * se_ratio,
                                                         act_cfg=(self.act_cfg, dict(type='Sigmoid')))
                out_channels = make_divisible(out_channels, 8)
                blocks.append(block(in_channels=self.in_channels, out_channels=out_channels, mid_channels=mid_channels,
                                    kernel_size=kernel_size, stride=stride, se_cfg=se_cfg, conv_cfg=self.conv_cfg,
                                    norm_cfg=self.norm_cfg, act_cfg=self.act_cfg, drop_path_rate=rates[block_idx],
                                    with_cp=self.with_cp, with_expand_conv=mid_channels != self.in_channels))
                self.in_channels = out_channels
                block_idx += 1
            self.layers.append(Sequential(*blocks))

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages):
            self.layers[i].eval()
            for param in self.layers[i].parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
        return self
