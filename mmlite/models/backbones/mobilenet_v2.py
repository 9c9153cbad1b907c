"""``MobileNetV2``: mmdet 2.x's MobileNetV2 backbone (arguments and parameter names)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import BACKBONES
from ..utils import InvertedResidual, make_divisible
from .common import FrozenStagesMixin, forward_stages, set_backbone_init


@BACKBONES.register_module()
class MobileNetV2(FrozenStagesMixin, BaseModule):
    """A stride-2 3x3 stem (``conv1``), seven stages of inverted residuals (``layer1``-``layer7``) and a 1x1
    conv to 1280 channels (``conv2``).

    Args:
        widen_factor: Width multiplier. Defaults to 1.
        out_indices: Outputs among the seven stages and ``conv2`` (0-7). Defaults to (1, 2, 4, 7).
        frozen_stages: Stem and stages frozen (-1: none; at most 7).
        conv_cfg / norm_cfg / act_cfg: ConvModule configs (BN and ReLU6 by default).
        norm_eval: Keep BN layers in eval mode while training. Defaults to False.
        with_cp: Gradient checkpointing in the blocks.
    """

    # expand ratio, channels, blocks, stride of each stage
    arch_settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                     [6, 320, 1, 1]]

    def __init__(self, widen_factor: float = 1., out_indices=(1, 2, 4, 7), frozen_stages: int = -1, conv_cfg=None,
                 norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU6'), norm_eval: bool = False,  # noqa: B006
                 with_cp: bool = False, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        self.pretrained = pretrained
        set_backbone_init(self, pretrained, init_cfg)
        if not set(out_indices).issubset(range(8)):
            raise ValueError(f'out_indices must be a subset of range(0, 8). But received {out_indices}')
        if frozen_stages not in range(-1, 8):
            raise ValueError(f'frozen_stages must be in range(-1, 8). But received {frozen_stages}')
        self.widen_factor, self.out_indices, self.frozen_stages = widen_factor, out_indices, frozen_stages
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.norm_eval, self.with_cp = norm_eval, with_cp
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.in_channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, self.in_channels, 3, stride=2, padding=1, **cfg)
        self.layers = []
        for i, (expand_ratio, channels, num_blocks, stride) in enumerate(self.arch_settings):
            self.add_module(f'layer{i + 1}', self.make_layer(make_divisible(channels * widen_factor, 8), num_blocks,
                                                             stride, expand_ratio))
            self.layers.append(f'layer{i + 1}')
        self.out_channel = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        self.add_module('conv2', ConvModule(self.in_channels, self.out_channel, 1, stride=1, padding=0, **cfg))
        self.layers.append('conv2')

    def make_layer(self, out_channels: int, num_blocks: int, stride: int, expand_ratio: int) -> nn.Sequential:
        """One stage: ``num_blocks`` inverted residuals, the first with ``stride``."""
        blocks = []
        for i in range(num_blocks):
            blocks.append(InvertedResidual(self.in_channels, out_channels,
                                           mid_channels=int(round(self.in_channels * expand_ratio)),
                                           stride=stride if i == 0 else 1, with_expand_conv=expand_ratio != 1,
                                           conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                                           with_cp=self.with_cp))
            self.in_channels = out_channels
        return nn.Sequential(*blocks)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            self.conv1.requires_grad_(False)
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            layer.requires_grad_(False)

    def forward(self, x):
        return forward_stages(self, self.layers, self.conv1(x), self.out_indices)
