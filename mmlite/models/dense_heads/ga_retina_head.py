"""``GARetinaHead``: RetinaNet with guided anchors."""
from __future__ import annotations

import torch.nn as nn

from ...ops import MaskedConv2d
from ..builder import HEADS
from .anchor_free_head import conv_towers, tower_features
from .guided_anchor_head import FeatureAdaption, GuidedAnchorHead


@HEADS.register_module()
class GARetinaHead(GuidedAnchorHead):
    """RetinaNet's two towers; the location branch reads the classification tower, the shape branch the
    regression tower, and each tower's features are adapted to the predicted shapes before its 3x3 predictor.

    Args:
        stacked_convs: Convs per tower. Defaults to 4.
        conv_cfg / norm_cfg: Tower conv and norm configs.
    """

    def __init__(self, num_classes: int, in_channels: int, stacked_convs: int = 4, conv_cfg=None, norm_cfg=None,
                 init_cfg=None, **kwargs):
        if init_cfg is None:
            init_cfg = dict(type='Normal', layer='Conv2d', std=0.01,
                            override=[dict(type='Normal', name='conv_loc', std=0.01, bias_prob=0.01),
                                      dict(type='Normal', name='retina_cls', std=0.01, bias_prob=0.01)])
        self.stacked_convs, self.conv_cfg, self.norm_cfg = stacked_convs, conv_cfg, norm_cfg
        super().__init__(num_classes, in_channels, init_cfg=init_cfg, **kwargs)

    def _init_layers(self) -> None:
        self.relu = nn.ReLU(inplace=True)
        self.cls_convs, self.reg_convs = conv_towers(self)
        self.conv_loc = nn.Conv2d(self.feat_channels, 1, 1)
        self.conv_shape = nn.Conv2d(self.feat_channels, self.num_base_priors * 2, 1)
        self.feature_adaption_cls, self.feature_adaption_reg = (
            FeatureAdaption(self.feat_channels, self.feat_channels, kernel_size=3, deform_groups=self.deform_groups)
            for _ in range(2))
        self.retina_cls = MaskedConv2d(self.feat_channels, self.num_base_priors * self.cls_out_channels, 3, padding=1)
        self.retina_reg = MaskedConv2d(self.feat_channels, self.num_base_priors * 4, 3, padding=1)

    def forward_single(self, x):
        cls_feat, reg_feat = tower_features(x, self.cls_convs, self.reg_convs)
        loc_pred, shape_pred = self.conv_loc(cls_feat), self.conv_shape(reg_feat)
        cls_feat = self.feature_adaption_cls(cls_feat, shape_pred)
        reg_feat = self.feature_adaption_reg(reg_feat, shape_pred)
        mask = self._test_mask(loc_pred)
        return self.retina_cls(cls_feat, mask), self.retina_reg(reg_feat, mask), shape_pred, loc_pred
