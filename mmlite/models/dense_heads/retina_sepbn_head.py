"""``RetinaSepBNHead``: RetinaNet towers whose convs are shared across levels but whose norms are not."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule, bias_init_with_prob, normal_init
from ..builder import HEADS
from .anchor_free_head import tower_features
from .anchor_head import AnchorHead


@HEADS.register_module()
class RetinaSepBNHead(AnchorHead):
    """RetinaNet head of NAS-FPN: ``num_ins`` copies of the towers whose conv layers are one shared module per
    depth (each level keeps its own norm statistics), then shared predictors.

    Args:
        num_ins: Input levels. stacked_convs / conv_cfg / norm_cfg: The towers.
    """

    def __init__(self, num_classes: int, in_channels: int, num_ins: int, stacked_convs: int = 4, conv_cfg=None,
                 norm_cfg=None, init_cfg=None, **kwargs):
        if init_cfg is not None:
            raise ValueError('RetinaSepBNHead initialises itself (shared convs): init_cfg must not be set')
        self.stacked_convs, self.conv_cfg, self.norm_cfg, self.num_ins = stacked_convs, conv_cfg, norm_cfg, num_ins
        super().__init__(num_classes, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)

        def tower():
            return nn.ModuleList([ConvModule(self.in_channels if i == 0 else self.feat_channels, self.feat_channels,
                                             3, stride=1, padding=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
                                  for i in range(self.stacked_convs)])

        self.cls_convs, self.reg_convs = nn.ModuleList(), nn.ModuleList()
        for _ in range(self.num_ins):
            self.cls_convs.append(tower())
            self.reg_convs.append(tower())
        for i in range(self.stacked_convs):
            for j in range(1, self.num_ins):
                self.cls_convs[j][i].conv = self.cls_convs[0][i].conv
                self.reg_convs[j][i].conv = self.reg_convs[0][i].conv
        self.retina_cls = nn.Conv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 3, padding=1)
        self.retina_reg = nn.Conv2d(self.feat_channels, self.num_base_priors * 4, 3, padding=1)

    def init_weights(self) -> None:
        """N(0, 0.01) shared convs and predictors; the class bias at a 0.01 prior."""
        super().init_weights()
        for module in list(self.cls_convs[0]) + list(self.reg_convs[0]):
            normal_init(module.conv, std=0.01)
        normal_init(self.retina_cls, std=0.01, bias=bias_init_with_prob(0.01))
        normal_init(self.retina_reg, std=0.01)

    def forward(self, feats):
        """Per level ``cls_score`` and ``bbox_pred`` (level ``i`` through the ``i``-th towers)."""
        if len(feats) > self.num_ins:
            raise ValueError(f'RetinaSepBNHead has {self.num_ins} levels of towers, got {len(feats)} inputs')
        outs = [tower_features(x, self.cls_convs[i], self.reg_convs[i]) for i, x in enumerate(feats)]
        return [self.retina_cls(cls) for cls, _ in outs], [self.retina_reg(reg) for _, reg in outs]
