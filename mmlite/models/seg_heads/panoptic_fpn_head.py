"""``PanopticFPNHead``: Panoptic FPN's semantic branch (stuff classes plus one "thing" class)."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn

from ...runner import ModuleList
from ..builder import HEADS
from ..utils import ConvUpsample
from .base_semantic_head import BaseSemanticHead


@HEADS.register_module()
class PanopticFPNHead(BaseSemanticHead):
    """Sum of the FPN levels ``[start_level, end_level)``, each brought to stride 4 by ``ConvUpsample``
    (level i: i conv + 2x upsampling steps, level 0 one conv), then a 1x1 conv to ``num_stuff_classes + 1``
    channels: stuff labels ``num_things .. num_things + num_stuff - 1`` train channels ``0 .. num_stuff - 1``,
    every thing label the last channel.

    ``num_classes`` (must equal ``num_stuff_classes + 1``) and ``fg_range``/``bg_range`` are mmdet's
    deprecated spellings and warn.
    """

    def __init__(self, num_things_classes: int = 80, num_stuff_classes: int = 53, num_classes: int | None = None,
                 in_channels: int = 256, inner_channels: int = 128, start_level: int = 0, end_level: int = 4,
                 fg_range: tuple | None = None, bg_range: tuple | None = None, conv_cfg: dict | None = None,
                 norm_cfg: dict | None = dict(type='GN', num_groups=32, requires_grad=True),  # noqa: B006
                 init_cfg=None,
                 loss_seg: dict = dict(type='CrossEntropyLoss', ignore_index=-1, loss_weight=1.0)):  # noqa: B006
        if num_classes is not None:
            warnings.warn('`num_classes` is deprecated now, please set `num_stuff_classes` directly, the '
                          '`num_classes` will be set to `num_stuff_classes + 1`')
            if num_classes != num_stuff_classes + 1:
                raise ValueError(f'PanopticFPNHead: num_classes ({num_classes}) must be num_stuff_classes + 1 '
                                 f'({num_stuff_classes + 1}); set num_stuff_classes instead')
        if fg_range is not None and bg_range is not None:
            num_things_classes = fg_range[1] - fg_range[0] + 1
            num_stuff_classes = bg_range[1] - bg_range[0] + 1
            warnings.warn('`fg_range` and `bg_range` are deprecated now, please use `num_things_classes`='
                          f'{num_things_classes} and `num_stuff_classes`={num_stuff_classes} instead.')
        super().__init__(num_stuff_classes + 1, init_cfg, loss_seg)
        self.num_things_classes, self.num_stuff_classes = num_things_classes, num_stuff_classes
        self.start_level, self.end_level = start_level, end_level
        self.num_stages = end_level - start_level
        self.inner_channels = inner_channels
        self.conv_upsample_layers = ModuleList(
            ConvUpsample(in_channels, inner_channels, num_layers=max(i, 1), num_upsample=i, conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg) for i in range(start_level, end_level))
        self.conv_logits = nn.Conv2d(inner_channels, self.num_classes, 1)

    def _set_things_to_void(self, gt_semantic_seg: torch.Tensor) -> torch.Tensor:
        """Stuff labels shifted to start at 0, thing labels merged into class ``num_stuff_classes``, others
        (ignore) kept."""
        seg = gt_semantic_seg.int()
        things = seg < self.num_things_classes
        stuff = (seg >= self.num_things_classes) & (seg < self.num_things_classes + self.num_stuff_classes)
        seg = torch.where(stuff, seg - self.num_things_classes, seg)
        return torch.where(things, torch.full_like(seg, self.num_stuff_classes), seg)

    def loss(self, seg_preds: torch.Tensor, gt_semantic_seg: torch.Tensor) -> dict:
        return super().loss(seg_preds, self._set_things_to_void(gt_semantic_seg))

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.normal_(self.conv_logits.weight, 0, 0.01)
        nn.init.zeros_(self.conv_logits.bias)

    def forward(self, x) -> dict:
        if self.num_stages > len(x):
            raise ValueError(f'PanopticFPNHead uses levels {self.start_level}..{self.end_level - 1} but got '
                             f'{len(x)} feature maps; lower end_level')
        feats = sum(layer(x[self.start_level + i]) for i, layer in enumerate(self.conv_upsample_layers))
        return dict(seg_preds=self.conv_logits(feats), feats=feats)
