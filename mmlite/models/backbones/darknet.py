"""``Darknet``: YOLOv3's Darknet-53 backbone (mmdet 2.x arguments and parameter names)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ...utils.errors import ReadableKeyError
from ..builder import BACKBONES
from .common import FrozenStagesMixin, forward_stages, set_backbone_init

_LEAKY = dict(type='LeakyReLU', negative_slope=0.1)


class ResBlock(BaseModule):
    """A 1x1 conv halving the channels, a 3x3 conv restoring them, plus the input."""

    def __init__(self, in_channels: int, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=_LEAKY, init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        if in_channels % 2:
            raise ValueError(f'ResBlock needs an even number of channels, got {in_channels}')
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, in_channels // 2, 1, **cfg)
        self.conv2 = ConvModule(in_channels // 2, in_channels, 3, padding=1, **cfg)

    def forward(self, x):
        return self.conv2(self.conv1(x)) + x


@BACKBONES.register_module()
class Darknet(FrozenStagesMixin, BaseModule):
    """Darknet-53: a 3x3 stem then five stride-2 convs, each followed by residual blocks.

    Args:
        depth: 53 (the only architecture).
        out_indices: Outputs among the stem (0) and the five stages (1-5). Defaults to (3, 4, 5).
        frozen_stages: Stem and stages frozen in training (-1: none).
        conv_cfg / norm_cfg / act_cfg: ConvModule configs (BN and LeakyReLU(0.1) by default).
        norm_eval: Keep BN layers in eval mode while training. Defaults to True.
    """

    arch_settings = {53: ((1, 2, 8, 8, 4), ((32, 64), (64, 128), (128, 256), (256, 512), (512, 1024)))}

    def __init__(self, depth: int = 53, out_indices=(3, 4, 5), frozen_stages: int = -1, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=_LEAKY,  # noqa: B006
                 norm_eval: bool = True, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise ReadableKeyError(f'invalid depth {depth} for darknet; use one of {sorted(self.arch_settings)}')
        self.depth, self.out_indices, self.frozen_stages, self.norm_eval = depth, out_indices, frozen_stages, norm_eval
        self.layers, self.channels = self.arch_settings[depth]
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(3, 32, 3, padding=1, **cfg)
        self.cr_blocks = ['conv1']
        for i, num_blocks in enumerate(self.layers):
            name = f'conv_res_block{i + 1}'
            self.add_module(name, self.make_conv_res_block(*self.channels[i], num_blocks, **cfg))
            self.cr_blocks.append(name)
        set_backbone_init(self, pretrained, init_cfg)

    def forward(self, x):
        return forward_stages(self, self.cr_blocks, x, self.out_indices)

    def _freeze_stages(self) -> None:
        for name in self.cr_blocks[:max(self.frozen_stages, 0)]:
            module = getattr(self, name)
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    @staticmethod
    def make_conv_res_block(in_channels: int, out_channels: int, res_repeat: int, conv_cfg=None,
                            norm_cfg=dict(type='BN', requires_grad=True),  # noqa: B006
                            act_cfg=_LEAKY) -> nn.Sequential:
        """A stride-2 3x3 conv (``conv``) then ``res_repeat`` residual blocks (``res0``...)."""
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        block = nn.Sequential()
        block.add_module('conv', ConvModule(in_channels, out_channels, 3, stride=2, padding=1, **cfg))
        for idx in range(res_repeat):
            block.add_module(f'res{idx}', ResBlock(out_channels, **cfg))
        return block
