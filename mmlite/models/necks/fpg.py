"""FPG (Chen et al., 2020, "Feature Pyramid Grids"): a deep stack of feature pyramids, each level of each pyramid
the sum of transitions from its neighbours in the same pyramid (same-level up/down), in the previous one
(lateral, across-up/down) and in the first one (skip)."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS


class Transition(BaseModule):
    """A map from one pyramid level to another (``in_channels`` to ``out_channels``)."""

    def __init__(self, in_channels: int, out_channels: int, init_cfg=None):
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels


class UpInterpolationConv(Transition):
    """Upsample by ``scale_factor``, then a :class:`ConvModule` (``kwargs``: its options)."""

    def __init__(self, in_channels: int, out_channels: int, scale_factor=2, mode: str = 'nearest',
                 align_corners=None, kernel_size: int = 3, init_cfg=None, **kwargs):
        super().__init__(in_channels, out_channels, init_cfg)
        self.mode, self.scale_factor, self.align_corners = mode, scale_factor, align_corners
        self.conv = ConvModule(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2, **kwargs)

    def forward(self, x):
        x = F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode, align_corners=self.align_corners)
        return self.conv(x)


class LastConv(Transition):
    """The output transition: a :class:`ConvModule` on the last of a level's ``num_inputs`` pyramid features."""

    def __init__(self, in_channels: int, out_channels: int, num_inputs: int, kernel_size: int = 3, init_cfg=None,
                 **kwargs):
        super().__init__(in_channels, out_channels, init_cfg)
        self.num_inputs = num_inputs
        self.conv_out = ConvModule(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2, **kwargs)

    def forward(self, inputs):
        if len(inputs) != self.num_inputs:
            raise ValueError(f'LastConv expects {self.num_inputs} inputs, got {len(inputs)}')
        return self.conv_out(inputs[-1])


class _Identity(Transition):
    def forward(self, x):
        return x


_FPG_INIT = [
    dict(type='Caffe2Xavier', layer='Conv2d'),
    dict(type='Constant', layer=['_BatchNorm', '_InstanceNorm', 'GroupNorm', 'LayerNorm'], val=1.0),
]
# per level: which transition reads which feature (in the stack loop below)
_TRANSITIONS = ('same_up', 'same_down', 'across_lateral', 'across_down', 'across_up', 'across_skip')


@NECKS.register_module()
class FPG(BaseModule):
    """Feature Pyramid Grids.

    Args:
        in_channels / out_channels / num_outs: As :class:`FPN`.
        stack_times: Pyramids stacked after the first. paths: One direction per pyramid, 'bu' or 'td'.
        inter_channels: Channels inside the grid (an int, or one per level). Default ``out_channels``.
        same_down_trans / same_up_trans / across_lateral_trans / across_down_trans / across_up_trans /
            across_skip_trans / output_trans: Transition configs (``type`` 'conv', 'interpolation_conv',
            'last_conv' or 'identity', plus its arguments), None for none.
        start_level / end_level / add_extra_convs: As :class:`FPN` (extra levels: stride-2 convs or 1x1 max pools).
        norm_cfg: Unused (the transitions carry their own); kept for configs.
        skip_inds: Per level, the stack indices at which the level is carried over unchanged.
    """

    transition_types = {'conv': ConvModule, 'interpolation_conv': UpInterpolationConv, 'last_conv': LastConv,
                        'identity': _Identity}

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, stack_times: int, paths: list,
                 inter_channels=None, same_down_trans=None,
                 same_up_trans=dict(type='conv', kernel_size=3, stride=2, padding=1),  # noqa: B006
                 across_lateral_trans=dict(type='conv', kernel_size=1),  # noqa: B006
                 across_down_trans=dict(type='conv', kernel_size=3),  # noqa: B006
                 across_up_trans=None, across_skip_trans=dict(type='identity'),  # noqa: B006
                 output_trans=dict(type='last_conv', kernel_size=3),  # noqa: B006
                 start_level: int = 0, end_level: int = -1, add_extra_convs: bool = False, norm_cfg=None,
                 skip_inds=None, init_cfg=_FPG_INIT):
        super().__init__(init_cfg)
        self._check_args(in_channels, num_outs, stack_times, paths, inter_channels, skip_inds, start_level, end_level)
        self.in_channels, self.out_channels, self.num_ins = in_channels, out_channels, len(in_channels)
        self.num_outs = num_outs
        if inter_channels is None or isinstance(inter_channels, int):
            inter_channels = [inter_channels or out_channels] * num_outs
        self.inter_channels, self.stack_times, self.paths = list(inter_channels), stack_times, paths
        self.same_down_trans, self.same_up_trans = same_down_trans, same_up_trans
        self.across_lateral_trans, self.across_down_trans = across_lateral_trans, across_down_trans
        self.across_up_trans, self.across_skip_trans = across_up_trans, across_skip_trans
        self.output_trans, self.with_bias, self.skip_inds = output_trans, norm_cfg is None, skip_inds
        end = len(in_channels) - 1 if end_level == -1 else end_level
        self.backbone_end_level, self.start_level, self.end_level = end + 1, start_level, end_level
        self.add_extra_convs = add_extra_convs
        self.lateral_convs = nn.ModuleList(nn.Conv2d(in_channels[i], self.inter_channels[i - start_level], 1)
                                           for i in range(start_level, self.backbone_end_level))
        self.extra_downsamples = nn.ModuleList()
        for i in range(num_outs - self.backbone_end_level + start_level):
            level = self.backbone_end_level - start_level + i
            self.extra_downsamples.append(
                nn.Conv2d(self.inter_channels[level - 1], self.inter_channels[level], 3, stride=2, padding=1)
                if add_extra_convs else nn.MaxPool2d(1, stride=2))
        self.fpn_transitions = nn.ModuleList(
            nn.ModuleList(nn.ModuleDict() if s in skip_inds[i] else self._level_transitions(i)
                          for i in range(num_outs)) for s in range(stack_times))
        self.output_transition = nn.ModuleList(
            self.build_trans(output_trans, self.inter_channels[i], out_channels, num_inputs=stack_times + 1)
            for i in range(num_outs))
        self.relu = nn.ReLU(inplace=True)

    @staticmethod
    def _check_args(in_channels, num_outs, stack_times, paths, inter_channels, skip_inds, start_level, end_level):
        if not isinstance(in_channels, list):
            raise TypeError(f'FPG in_channels must be a list, got {in_channels!r}')
        if not isinstance(paths, list) or len(paths) != stack_times or any(p not in ('bu', 'td') for p in paths):
            raise ValueError(f"FPG paths must list 'bu' or 'td' for each of the {stack_times} stacks, got {paths!r}")
        if isinstance(inter_channels, list) and len(inter_channels) != num_outs:
            raise ValueError(f'FPG inter_channels needs one entry per output level ({num_outs}), got {inter_channels}')
        if skip_inds is None or len(skip_inds) < num_outs or len(skip_inds[0]) > stack_times:
            raise ValueError(f'FPG skip_inds must give, for each of the {num_outs} levels, the stacks that skip it '
                             f'(at most {stack_times}), got {skip_inds!r}')
        num_ins = len(in_channels)
        if end_level in (-1, num_ins - 1):
            if num_outs < num_ins - start_level:
                raise ValueError(f'FPG num_outs={num_outs} is fewer than the {num_ins - start_level} input levels used')
        elif not end_level < num_ins or num_outs != end_level - start_level + 1:
            raise ValueError(f'FPG end_level={end_level} needs end_level < {num_ins} and num_outs = '
                             f'end_level - start_level + 1')

    def _level_transitions(self, i: int) -> nn.ModuleDict:
        """The transitions into level ``i`` of one stacked pyramid (None where the config or the level has none)."""
        channels, last = self.inter_channels, self.num_outs - 1
        sources = dict(same_up=(self.same_up_trans, i - 1, i > 0), same_down=(self.same_down_trans, i + 1, i < last),
                       across_lateral=(self.across_lateral_trans, i, True),
                       across_down=(self.across_down_trans, i + 1, i < last),
                       across_up=(self.across_up_trans, i - 1, i > 0),
                       across_skip=(self.across_skip_trans, i - 1, True))  # mmdet sizes it from the level below
        trans = nn.ModuleDict()
        for name in _TRANSITIONS:
            cfg, source, exists = sources[name]
            trans[name] = self.build_trans(cfg, channels[source], channels[i]) if cfg is not None and exists else None
        return trans

    def build_trans(self, cfg: dict, in_channels: int, out_channels: int, **extra_args) -> nn.Module:
        """The transition module of ``cfg`` (its ``type`` one of ``transition_types``)."""
        cfg = dict(cfg)
        trans_type = cfg.pop('type')
        if trans_type not in self.transition_types:
            raise KeyError(f'FPG transition type {trans_type!r} is not one of {sorted(self.transition_types)}')
        return self.transition_types[trans_type](in_channels, out_channels, **cfg, **extra_args)

    @staticmethod
    def fuse(fuse_dict: dict):
        """The sum of the non-None entries, in order."""
        out = None
        for item in fuse_dict.values():
            if item is not None:
                out = item if out is None else out + item
        return out

    def _stack(self, stack: int, current: list, first: list) -> list:
        """The next pyramid from the ``current`` one (and the ``first``), in the stack's direction."""
        top_down = self.paths[stack] == 'td'
        next_outs = []
        for j in range(self.num_outs):
            if stack in self.skip_inds[j]:
                next_outs.append(current[j])
                continue
            level = self.num_outs - j - 1 if top_down else j
            trans = self.fpn_transitions[stack][level]
            same = trans['same_down'] if top_down else trans['same_up']
            to_fuse = dict(same=None, lateral=None, across_up=None, across_down=None)
            if same is not None:
                to_fuse['same'] = same(next_outs[-1])
            if trans['across_lateral'] is not None:
                to_fuse['lateral'] = trans['across_lateral'](current[level])
            if level > 0 and trans['across_up'] is not None:
                to_fuse['across_up'] = trans['across_up'](current[level - 1])
            if level < self.num_outs - 1 and trans['across_down'] is not None:
                to_fuse['across_down'] = trans['across_down'](current[level + 1])
            if trans['across_skip'] is not None:
                to_fuse['across_skip'] = trans['across_skip'](first[level])
            next_outs.append(self.fuse(to_fuse))
        return next_outs[::-1] if top_down else next_outs

    def forward(self, inputs) -> list:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'FPG expects {len(self.in_channels)} input levels, got {len(inputs)}')
        feats = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        for downsample in self.extra_downsamples:
            feats.append(downsample(feats[-1]))
        outs = [feats]
        for stack in range(self.stack_times):
            outs.append(self._stack(stack, outs[-1], outs[0]))
        return [self.output_transition[i]([pyramid[i] for pyramid in outs]) for i in range(self.num_outs)]
