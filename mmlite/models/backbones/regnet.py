"""``RegNet``: RegNetX backbones (Radosavovic et al., 2020) with mmdet 2.x's arguments and parameter names."""
from __future__ import annotations

import numpy as np
import torch.nn as nn

from ...cnn import build_conv_layer, build_norm_layer
from ..builder import BACKBONES
from .resnet import Bottleneck, ResNet


class RegNetBottleneck(Bottleneck):
    """ResNeXt's bottleneck without expansion: a stage of width ``w`` outputs ``w`` channels."""

    expansion = 1


def regnet_widths(w0: int, wa: float, wm: float, depth: int, divisor: int = 8) -> list[int]:
    """Per block ``j`` the width ``w0 * wm ** round(log_wm((w0 + wa * j) / w0))``, rounded to ``divisor``."""
    if wa < 0 or w0 <= 0 or wm <= 1 or w0 % divisor:
        raise ValueError(f'invalid RegNet arch: need wa >= 0, w0 > 0 divisible by {divisor}, wm > 1; got '
                         f'w0={w0}, wa={wa}, wm={wm}')
    continuous = np.arange(depth) * wa + w0
    exponents = np.round(np.log(continuous / w0) / np.log(wm))
    return (np.round(np.divide(w0 * np.power(wm, exponents), divisor)) * divisor).astype(int).tolist()


def stages_from_widths(widths: list[int]) -> tuple[list[int], list[int]]:
    """Consecutive equal widths form a stage: ``(stage widths, blocks per stage)``."""
    starts = [j for j, width in enumerate(widths) if j == 0 or width != widths[j - 1]]
    return [widths[j] for j in starts], np.diff(starts + [len(widths)]).tolist()


@BACKBONES.register_module()
class RegNet(ResNet):
    """RegNetX: a 3x3 stride-2 stem (no max-pool) and stages of grouped bottlenecks whose widths and depths
    follow ``arch``.

    Args:
        arch: A name in :attr:`arch_settings` (``'regnetx_3.2gf'``...) or a dict with ``w0``, ``wa``, ``wm``,
            ``group_w``, ``depth`` and ``bot_mul``.
        stem_channels: Stem width. Defaults to 32.
        strides: Per stage. Defaults to ``(2, 2, 2, 2)``.
        Other arguments as :class:`ResNet` (``base_channels`` is unused, kept for compatibility).
    """

    arch_settings = {
        'regnetx_400mf': dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0),
        'regnetx_800mf': dict(w0=56, wa=35.73, wm=2.28, group_w=16, depth=16, bot_mul=1.0),
        'regnetx_1.6gf': dict(w0=80, wa=34.01, wm=2.25, group_w=24, depth=18, bot_mul=1.0),
        'regnetx_3.2gf': dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0),
        'regnetx_4.0gf': dict(w0=96, wa=38.65, wm=2.43, group_w=40, depth=23, bot_mul=1.0),
        'regnetx_6.4gf': dict(w0=184, wa=60.83, wm=2.07, group_w=56, depth=17, bot_mul=1.0),
        'regnetx_8.0gf': dict(w0=80, wa=49.56, wm=2.88, group_w=120, depth=23, bot_mul=1.0),
        'regnetx_12gf': dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
    }

    def __init__(self, arch, in_channels: int = 3, stem_channels: int = 32, base_channels: int = 32,
                 strides=(2, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(0, 1, 2, 3), **kwargs):
        arch = self._arch_dict(arch)
        widths = regnet_widths(arch['w0'], arch['wa'], arch['wm'], arch['depth'])
        stage_widths, stage_blocks = stages_from_widths(widths)
        self.bottleneck_ratio = [arch['bot_mul']] * len(stage_widths)
        self.stage_widths, self.group_widths = self.adjust_width_group(
            stage_widths, self.bottleneck_ratio, [arch['group_w']] * len(stage_widths))
        self._regnet_blocks = stage_blocks
        super().__init__(depth=arch, in_channels=in_channels, stem_channels=stem_channels,
                         base_channels=base_channels, num_stages=len(stage_widths), strides=strides,
                         dilations=dilations, out_indices=out_indices, **kwargs)
        self.depth = sum(stage_blocks)
        self.feat_dim = self.stage_widths[-1]

    def _arch_dict(self, arch) -> dict:
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(f'"arch": "{arch}" is not one of the arch_settings {sorted(self.arch_settings)}')
            return self.arch_settings[arch]
        if not isinstance(arch, dict):
            raise ValueError(f'Expect "arch" to be either a string or a dict, got {type(arch)}')
        return arch

    def _block_and_stages(self, depth) -> tuple:
        return RegNetBottleneck, self._regnet_blocks

    def _residual_norm_name(self) -> str:
        return 'norm3'  # mmdet's RegNet zero-initialises its blocks' last norm (zero_init_residual)

    def _stage_args(self, stage_idx: int) -> dict:
        width, group_width = self.stage_widths[stage_idx], self.group_widths[stage_idx]
        bottleneck = int(round(width * self.bottleneck_ratio[stage_idx]))
        return dict(planes=width, groups=bottleneck // group_width, base_width=group_width, base_channels=width)

    @staticmethod
    def quantize_float(number: float, divisor: int) -> int:
        """``number`` rounded to a multiple of ``divisor``."""
        return int(round(number / divisor) * divisor)

    def adjust_width_group(self, widths: list, bottleneck_ratio: list, groups: list) -> tuple[list, list]:
        """Make each stage's bottleneck width a multiple of its group width (groups capped at the width)."""
        bottleneck = [int(w * b) for w, b in zip(widths, bottleneck_ratio)]
        groups = [min(g, w) for g, w in zip(groups, bottleneck)]
        bottleneck = [self.quantize_float(w, g) for w, g in zip(bottleneck, groups)]
        return [int(w / b) for w, b in zip(bottleneck, bottleneck_ratio)], groups

    def generate_regnet(self, initial_width, width_slope, width_parameter, depth, divisor=8) -> tuple[list, int]:
        """mmdet's name for :func:`regnet_widths`: the per-block widths and the number of stages."""
        widths = regnet_widths(initial_width, width_slope, width_parameter, depth, divisor)
        return widths, len(np.unique(widths))

    def get_stages_from_blocks(self, widths: list) -> tuple[list, list]:
        """mmdet's name for :func:`stages_from_widths`."""
        return stages_from_widths(widths)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size=3, stride=2, padding=1,
                                      bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def _forward_stem(self, x):
        return self.relu(self.norm1(self.conv1(x)))
