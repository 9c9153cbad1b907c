"""``HRFPN``: HRNet's feature pyramid (concatenate the upsampled branches, reduce, pool to levels)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS


@NECKS.register_module()
class HRFPN(BaseModule):
    """Upsample every input to the first one's resolution (bilinear), concatenate, reduce to
    ``out_channels`` with a 1x1 conv, pool by 2**i for ``num_outs`` levels (``pooling_type`` 'AVG' or 'MAX')
    and refine each level with a 3x3 conv of ``stride``. ``norm_cfg`` adds a norm to those convs (mmdet
    accepted it and built none)."""

    def __init__(self, in_channels: list, out_channels: int, num_outs: int = 5, pooling_type: str = 'AVG',
                 conv_cfg=None, norm_cfg=None, with_cp: bool = False, stride: int = 1,
                 init_cfg=dict(type='Caffe2Xavier', layer='Conv2d')):  # noqa: B006
        super().__init__(init_cfg)
        if not isinstance(in_channels, list):
            raise TypeError(f'HRFPN.in_channels must be a list of branch widths, got {in_channels!r}')
        if pooling_type not in ('AVG', 'MAX'):
            raise ValueError(f'HRFPN.pooling_type must be "AVG" or "MAX", got {pooling_type!r}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_ins, self.num_outs = len(in_channels), num_outs
        self.with_cp, self.conv_cfg, self.norm_cfg = with_cp, conv_cfg, norm_cfg
        self.reduction_conv = ConvModule(sum(in_channels), out_channels, kernel_size=1, conv_cfg=conv_cfg,
                                         norm_cfg=norm_cfg, act_cfg=None)
        self.fpn_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, kernel_size=3, padding=1, stride=stride, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=None) for _ in range(num_outs))
        self.pooling = F.max_pool2d if pooling_type == 'MAX' else F.avg_pool2d

    def _run(self, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(layer, x, use_reentrant=False)
        return layer(x)

    def forward(self, inputs) -> tuple:
        if len(inputs) != self.num_ins:
            raise ValueError(f'HRFPN expects {self.num_ins} inputs (in_channels), got {len(inputs)}')
        upsampled = [inputs[0]] + [F.interpolate(x, scale_factor=2**i, mode='bilinear')
                                   for i, x in enumerate(inputs[1:], start=1)]
        out = self._run(self.reduction_conv, torch.cat(upsampled, dim=1))
        levels = [out] + [self.pooling(out, kernel_size=2**i, stride=2**i) for i in range(1, self.num_outs)]
        return tuple(self._run(conv, level) for conv, level in zip(self.fpn_convs, levels))
