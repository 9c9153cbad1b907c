"""``RetinaHead``: stacked conv towers for classification and regression (RetinaNet)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule
from ..builder import HEADS
from .anchor_free_head import tower_features
from .anchor_head import AnchorHead


@HEADS.register_module()
class RetinaHead(AnchorHead):
    """RetinaNet head: ``stacked_convs`` ConvModules per branch, then 3x3 predictors.

    The classification bias starts at the focal-loss prior (``bias_prob=0.01``).
    """

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, conv_cfg=None, norm_cfg=None,
                 anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=3,  # noqa: B006
                                       ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32, 64, 128]),
                 init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,  # noqa: B006
                               override=dict(type='Normal', name='retina_cls', std=0.01, bias_prob=0.01)),
                 **kwargs):
        self.stacked_convs, self.conv_cfg, self.norm_cfg = stacked_convs, conv_cfg, norm_cfg
        super().__init__(num_classes, in_channels, anchor_generator=anchor_generator, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = nn.ModuleList(), nn.ModuleList()
        for i in range(self.stacked_convs):
            channels = self.in_channels if i == 0 else self.feat_channels
            for branch in (self.cls_convs, self.reg_convs):
                branch.append(ConvModule(channels, self.feat_channels, 3, stride=1, padding=1, conv_cfg=self.conv_cfg,
                                         norm_cfg=self.norm_cfg))
        self.retina_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 3, padding=1)
        self.retina_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 3, padding=1)

    def forward_single(self, x):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        return self.retina_cls(cls_feat), self.retina_reg(reg_feat)
