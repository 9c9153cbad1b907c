"""``NASFCOS_FPN``: NAS-FCOS's searched feature pyramid (concatenation cells over C3-C5)."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F

from ...cnn import ConvModule, caffe2_xavier_init
from ...ops import ConcatCell
from ...runner import BaseModule
from ..builder import NECKS

# the searched cells, in order: name 'c<a><b>[_k]' merges features a and b (inputs first, then earlier cells),
# with a 3x3 input conv on the first / second input
_CELLS = (('c22_1', True, True), ('c22_2', True, True), ('c32', True, False), ('c02', True, False),
          ('c42', True, True), ('c36', True, True), ('c61', True, True))


@NECKS.register_module()
class NASFCOS_FPN(BaseModule):  # noqa: N801 (mmdet's name)
    """NAS-FCOS (Wang et al., 2020): 1x1 conv-BN-ReLU adapters on the inputs from ``start_level``, seven
    concatenation cells (grouped 1x1 output convs) in the searched wiring, then P3-P5 as the sum of a late cell
    and cell 5 resized to each input, and extra levels by strided 3x3 convs.

    Args:
        in_channels / out_channels / num_outs / start_level / end_level: As ``FPN``.
        add_extra_convs: Kept for mmdet compatibility (the extra levels are always convs, as mmdet).
        conv_cfg / norm_cfg: The cells' input convs (e.g. DCNv2) and their norm.
    """

    def __init__(self, in_channels: list, out_channels: int, num_outs: int, start_level: int = 1,
                 end_level: int = -1, add_extra_convs: bool = False, conv_cfg=None, norm_cfg=None, init_cfg=None):
        if init_cfg is not None:
            raise ValueError('NASFCOS_FPN initialises itself: init_cfg must not be set')
        super().__init__(init_cfg)
        if not isinstance(in_channels, list):
            raise TypeError(f'NASFCOS_FPN: in_channels must be a list, got {in_channels!r}')
        self.in_channels, self.out_channels, self.num_ins, self.num_outs = in_channels, out_channels, len(
            in_channels), num_outs
        self.norm_cfg, self.conv_cfg = norm_cfg, conv_cfg
        self.backbone_end_level = self.num_ins if end_level in (-1, self.num_ins - 1) else end_level + 1
        if self.backbone_end_level - start_level != 3 or num_outs < 3:
            raise ValueError('NASFCOS_FPN wires three input levels (C3-C5): start_level/end_level select '
                             f'{self.backbone_end_level - start_level} of {self.num_ins}, num_outs={num_outs}')
        self.start_level, self.end_level, self.add_extra_convs = start_level, end_level, add_extra_convs
        self.adapt_convs = nn.ModuleList([
            ConvModule(in_channels[i], out_channels, 1, stride=1, padding=0, bias=False, norm_cfg=dict(type='BN'),
                       act_cfg=dict(type='ReLU', inplace=False)) for i in range(start_level, self.backbone_end_level)])
        self.fpn = nn.ModuleDict({name: self._cell(first, second) for name, first, second in _CELLS})
        self.extra_downsamples = nn.ModuleList([
            ConvModule(out_channels, out_channels, 3, stride=2, padding=1,
                       act_cfg=None if i == 0 else dict(type='ReLU', inplace=False), order=('act', 'norm', 'conv'))
            for i in range(num_outs - self.backbone_end_level + start_level)])

    def _cell(self, with_input1_conv: bool, with_input2_conv: bool) -> ConcatCell:
        channels = self.out_channels
        return ConcatCell(in_channels=channels, out_channels=channels, with_out_conv=True,
                          out_conv_cfg=dict(kernel_size=1, padding=0, bias=False, groups=channels),
                          out_norm_cfg=dict(type='BN'), out_conv_order=('norm', 'act', 'conv'),
                          with_input1_conv=with_input1_conv, with_input2_conv=with_input2_conv,
                          input_conv_cfg=self.conv_cfg, input_norm_cfg=self.norm_cfg, upsample_mode='nearest')

    def forward(self, inputs) -> tuple:
        feats = [conv(inputs[i + self.start_level]) for i, conv in enumerate(self.adapt_convs)]
        for name, cell in self.fpn.items():
            feats.append(cell(feats[int(name[1])], feats[int(name[2])]))
        outs = []
        for idx, input_idx in zip((9, 8, 7), (1, 2, 3)):  # P3, P4, P5
            fused = feats[idx] + F.interpolate(feats[5], size=feats[idx].size()[2:], mode='bilinear',
                                               align_corners=False)
            outs.append(F.interpolate(fused, size=inputs[input_idx].size()[2:], mode='bilinear', align_corners=False))
        for downsample in self.extra_downsamples:
            outs.append(downsample(outs[-1]))
        return tuple(outs)

    def init_weights(self) -> None:
        """Default init, then Caffe2-Xavier on the adapters' and extra levels' convs (mmdet meant the cells'
        output convs too, but tested for an attribute they do not have: kept as is)."""
        super().init_weights()
        for module in list(self.adapt_convs.modules()) + list(self.extra_downsamples.modules()):
            if isinstance(module, nn.Conv2d):
                caffe2_xavier_init(module)
