"""``BFP``: the Balanced Feature Pyramid of Libra R-CNN (used after an FPN: ``neck=[dict(type='FPN', ...),
dict(type='BFP', ...)]``)."""
from __future__ import annotations

import torch.nn.functional as F

from ...cnn import ConvModule, NonLocal2d
from ...runner import BaseModule
from ..builder import NECKS


@NECKS.register_module()
class BFP(BaseModule):
    """Gather every level to the size of ``refine_level`` (max-pool the finer ones, nearest-upsample the
    coarser), average, optionally refine (``refine_type``: None, 'conv' or 'non_local'), then scatter the
    result back to each level's size and add it to that level.
    """

    def __init__(self, in_channels: int, num_levels: int, refine_level: int = 2, refine_type: str | None = None,
                 conv_cfg: dict | None = None, norm_cfg: dict | None = None,
                 init_cfg=dict(type='Xavier', layer='Conv2d', distribution='uniform')):  # noqa: B006
        super().__init__(init_cfg)
        if refine_type not in (None, 'conv', 'non_local'):
            raise ValueError(f"BFP.refine_type must be None, 'conv' or 'non_local', got {refine_type!r}")
        if not 0 <= refine_level < num_levels:
            raise ValueError(f'BFP.refine_level must be in [0, num_levels={num_levels}), got {refine_level}')
        self.in_channels, self.num_levels = in_channels, num_levels
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.refine_level, self.refine_type = refine_level, refine_type
        if refine_type == 'conv':
            self.refine = ConvModule(in_channels, in_channels, 3, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        elif refine_type == 'non_local':
            self.refine = NonLocal2d(in_channels, reduction=1, use_scale=False, conv_cfg=conv_cfg,
                                     norm_cfg=norm_cfg)

    def forward(self, inputs):
        if len(inputs) != self.num_levels:
            raise ValueError(f'BFP expects {self.num_levels} levels, got {len(inputs)}')
        gather_size = inputs[self.refine_level].shape[2:]
        gathered = [F.adaptive_max_pool2d(x, gather_size) if i < self.refine_level
                    else F.interpolate(x, size=gather_size, mode='nearest') for i, x in enumerate(inputs)]
        balanced = sum(gathered) / len(gathered)
        if self.refine_type is not None:
            balanced = self.refine(balanced)
        return tuple(x + (F.interpolate(balanced, size=x.shape[2:], mode='nearest') if i < self.refine_level
                          else F.adaptive_max_pool2d(balanced, x.shape[2:])) for i, x in enumerate(inputs))
