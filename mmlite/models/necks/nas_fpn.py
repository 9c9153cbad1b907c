"""``NASFPN``: the searched feature pyramid of NAS-FPN (repeated merge-cell stages over P3-P7)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ...ops import GlobalPoolingCell, SumCell
from ...runner import BaseModule
from ..builder import NECKS

# one NAS-FPN stage: (cell, kind, first input, second input, output size, output level), in order; levels are
# P3..P7 and the stage's intermediates
_STAGE = (('gp_64_4', 'gp', 'p6', 'p4', 'p4', 'p4_1'), ('sum_44_4', 'sum', 'p4_1', 'p4', 'p4', 'p4_2'),
          ('sum_43_3', 'sum', 'p4_2', 'p3', 'p3', 'p3'), ('sum_34_4', 'sum', 'p3', 'p4_2', 'p4', 'p4'),
          ('gp_43_5', 'gp_plain', 'p4', 'p3', 'p5', 'p5_tmp'), ('sum_55_5', 'sum', 'p5', 'p5_tmp', 'p5', 'p5'),
          ('gp_54_7', 'gp_plain', 'p5', 'p4_2', 'p7', 'p7_tmp'), ('sum_77_7', 'sum', 'p7', 'p7_tmp', 'p7', 'p7'),
          ('gp_75_6', 'gp', 'p7', 'p5', 'p6', 'p6'))


@NECKS.register_module()
class NASFPN(BaseModule):
    """NAS-FPN (Ghiasi et al., 2019): 1x1 laterals, extra levels by 1x1 conv + max pooling up to five outputs
    (P3-P7), then ``stack_times`` stages of sum and global-pooling merge cells in the searched order.

    Args:
        in_channels / out_channels / num_outs / start_level / end_level: As ``FPN`` (five outputs).
        stack_times: Repeated stages. add_extra_convs: Kept for mmdet compatibility (unused, as mmdet).
        norm_cfg: Norm of the laterals, extra convs and merge cells' output convs.
    """

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, stack_times: int, start_level: int = 0,
                 end_level: int = -1, add_extra_convs: bool = False, norm_cfg=None,
                 init_cfg=dict(type='Caffe2Xavier', layer='Conv2d')):  # noqa: B006
        super().__init__(init_cfg)
        if not isinstance(in_channels, list):
            raise TypeError(f'NASFPN: in_channels must be a list, got {in_channels!r}')
        self.in_channels, self.out_channels, self.num_ins = in_channels, out_channels, len(in_channels)
        self.num_outs, self.stack_times, self.norm_cfg = num_outs, stack_times, norm_cfg
        if end_level in (-1, self.num_ins - 1):
            self.backbone_end_level = self.num_ins
            if num_outs < self.num_ins - start_level:
                raise ValueError(f'NASFPN: num_outs={num_outs} is fewer than the {self.num_ins - start_level} inputs')
        else:
            self.backbone_end_level = end_level + 1
            if end_level >= self.num_ins or num_outs != end_level - start_level + 1:
                raise ValueError(f'NASFPN: end_level={end_level} does not fit {self.num_ins} inputs and '
                                 f'num_outs={num_outs}')
        if num_outs != 5:
            raise ValueError(f'NASFPN merges five levels (P3-P7): num_outs must be 5, got {num_outs}')
        self.start_level, self.end_level, self.add_extra_convs = start_level, end_level, add_extra_convs
        self.lateral_convs = nn.ModuleList([ConvModule(in_channels[i], out_channels, 1, norm_cfg=norm_cfg,
                                                       act_cfg=None)
                                            for i in range(start_level, self.backbone_end_level)])
        self.extra_downsamples = nn.ModuleList([
            nn.Sequential(ConvModule(out_channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None),
                          nn.MaxPool2d(2, 2)) for _ in range(num_outs - self.backbone_end_level + start_level)])
        self.fpn_stages = nn.ModuleList([nn.ModuleDict({name: self._cell(kind) for name, kind, *_ in _STAGE})
                                         for _ in range(stack_times)])

    def _cell(self, kind: str) -> nn.Module:
        if kind == 'gp_plain':
            return GlobalPoolingCell(with_out_conv=False)
        cell = GlobalPoolingCell if kind == 'gp' else SumCell
        return cell(in_channels=self.out_channels, out_channels=self.out_channels, out_norm_cfg=self.norm_cfg)

    def forward(self, inputs) -> tuple:
        feats = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.lateral_convs)]
        for downsample in self.extra_downsamples:
            feats.append(downsample(feats[-1]))
        levels = dict(zip(('p3', 'p4', 'p5', 'p6', 'p7'), feats))
        for stage in self.fpn_stages:
            for name, _, first, second, size, out in _STAGE:
                levels[out] = stage[name](levels[first], levels[second], out_size=levels[size].shape[-2:])
        return tuple(levels[k] for k in ('p3', 'p4', 'p5', 'p6', 'p7'))
