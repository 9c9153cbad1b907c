"""``FPN``: feature pyramid network (mmdet 2.x arguments and parameter names)."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...runner import BaseModule, auto_fp16
from ..builder import NECKS

_EXTRA_SOURCES = ('on_input', 'on_lateral', 'on_output')


@NECKS.register_module()
class FPN(BaseModule):
    """Top-down feature pyramid with lateral 1x1 and output 3x3 convs.

    Args:
        in_channels: Channels of each backbone output.
        out_channels: Channels of every pyramid level.
        num_outs: Number of output levels (extra levels by max-pool or convs).
        start_level / end_level: Backbone levels used (end -1: the last).
        add_extra_convs: False (max-pool extra levels), True/'on_input', 'on_lateral' or 'on_output'.
        relu_before_extra_convs: ReLU before each extra conv after the first.
        no_norm_on_lateral: No norm layer in lateral convs.
        conv_cfg / norm_cfg / act_cfg: Layer configs of the convs (none by default).
        upsample_cfg: ``F.interpolate`` options for the top-down path. Defaults to nearest.
    """

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, start_level: int = 0,
                 end_level: int = -1, add_extra_convs=False, relu_before_extra_convs: bool = False,
                 no_norm_on_lateral: bool = False, conv_cfg=None, norm_cfg=None, act_cfg=None,
                 upsample_cfg: dict = dict(mode='nearest'),  # noqa: B006
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):  # noqa: B006
        super().__init__(init_cfg)
        if not isinstance(in_channels, list):
            raise TypeError(f'FPN.in_channels must be a list, got {in_channels!r}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_ins, self.num_outs = len(in_channels), num_outs
        self.relu_before_extra_convs, self.no_norm_on_lateral = relu_before_extra_convs, no_norm_on_lateral
        self.fp16_enabled = False
        self.upsample_cfg = dict(upsample_cfg)
        if end_level in (-1, self.num_ins - 1):
            self.backbone_end_level = self.num_ins
            if num_outs < self.num_ins - start_level:
                raise ValueError(f'FPN.num_outs={num_outs} is smaller than the {self.num_ins - start_level} '
                                 'used levels')
        else:
            self.backbone_end_level = end_level + 1
            if end_level >= self.num_ins or num_outs != end_level - start_level + 1:
                raise ValueError('FPN: with end_level set, num_outs must equal end_level - start_level + 1')
        self.start_level, self.end_level = start_level, end_level
        if isinstance(add_extra_convs, str):
            if add_extra_convs not in _EXTRA_SOURCES:
                raise ValueError(f'FPN.add_extra_convs must be a bool or one of {_EXTRA_SOURCES}, '
                                 f'got {add_extra_convs!r}')
        elif not isinstance(add_extra_convs, bool):
            raise TypeError(f'FPN.add_extra_convs must be a bool or str, got {add_extra_convs!r}')
        elif add_extra_convs:
            add_extra_convs = 'on_input'
        self.add_extra_convs = add_extra_convs
        self.lateral_convs, self.fpn_convs = nn.ModuleList(), nn.ModuleList()
        for i in range(self.start_level, self.backbone_end_level):
            self.lateral_convs.append(ConvModule(in_channels[i], out_channels, 1, conv_cfg=conv_cfg,
                                                 norm_cfg=None if no_norm_on_lateral else norm_cfg,
                                                 act_cfg=act_cfg, inplace=False))
            self.fpn_convs.append(ConvModule(out_channels, out_channels, 3, padding=1, conv_cfg=conv_cfg,
                                             norm_cfg=norm_cfg, act_cfg=act_cfg, inplace=False))
        extra_levels = num_outs - self.backbone_end_level + self.start_level
        if self.add_extra_convs and extra_levels >= 1:
            for i in range(extra_levels):
                channels = (self.in_channels[self.backbone_end_level - 1]
                            if i == 0 and self.add_extra_convs == 'on_input' else out_channels)
                self.fpn_convs.append(ConvModule(channels, out_channels, 3, stride=2, padding=1,
                                                 conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                                                 inplace=False))

    @auto_fp16()
    def forward(self, inputs):
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'{type(self).__name__} expects {len(self.in_channels)} inputs, got {len(inputs)}')
        laterals = self._top_down(inputs)
        return tuple(self._add_extra_levels(inputs, laterals, self._level_outputs(laterals)))

    def _top_down(self, inputs) -> list:
        """Lateral features, each plus the upsampled one above it."""
        laterals = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        for i in range(len(laterals) - 1, 0, -1):
            if 'scale_factor' in self.upsample_cfg:
                laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], **self.upsample_cfg)
            else:
                laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], size=laterals[i - 1].shape[2:],
                                                                  **self.upsample_cfg)
        return laterals

    def _level_outputs(self, laterals: list) -> list:
        """The outputs of the backbone's levels."""
        return [self.fpn_convs[i](lateral) for i, lateral in enumerate(laterals)]

    def _add_extra_levels(self, inputs, laterals: list, outs: list) -> list:
        """Up to ``num_outs`` levels: max-pooled, or by the extra stride-2 convs."""
        used = len(laterals)
        if self.num_outs <= used:
            return outs
        if not self.add_extra_convs:
            return outs + [F.max_pool2d(outs[-1], 1, stride=2) for _ in range(self.num_outs - used)]
        source = {'on_input': inputs[self.backbone_end_level - 1], 'on_lateral': laterals[-1],
                  'on_output': outs[-1]}[self.add_extra_convs]
        outs.append(self.fpn_convs[used](source))
        for i in range(used + 1, self.num_outs):
            prev = F.relu(outs[-1]) if self.relu_before_extra_convs else outs[-1]
            outs.append(self.fpn_convs[i](prev))
        return outs
