"""``DoubleConvFCBBoxHead``: Double-Head R-CNN's box head (fully connected classification, convolutional
regression)."""
from __future__ import annotations

import torch.nn as nn

from ....cnn import ConvModule
from ....runner import BaseModule
from ...backbones.resnet import Bottleneck
from ...builder import HEADS
from .bbox_head import BBoxHead


class BasicResBlock(BaseModule):
    """A 3x3 then a 1x1 conv (with BN), plus a 1x1 projection of the input, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, conv_cfg=None, norm_cfg=dict(type='BN'),  # noqa: B006
                 init_cfg=None):
        super().__init__(init_cfg)
        self.conv1 = ConvModule(in_channels, in_channels, kernel_size=3, padding=1, bias=False, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg)
        self.conv2 = ConvModule(in_channels, out_channels, kernel_size=1, bias=False, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg, act_cfg=None)
        self.conv_identity = ConvModule(in_channels, out_channels, kernel_size=1, conv_cfg=conv_cfg,
                                        norm_cfg=norm_cfg, act_cfg=None)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.conv2(self.conv1(x)) + self.conv_identity(x))


@HEADS.register_module()
class DoubleConvFCBBoxHead(BBoxHead):
    """Double-Head (Wu et al., 2020): classification from ``num_fcs`` fcs on the RoI features, regression from a
    residual block and ``num_convs`` bottlenecks (then average pooling) on the (enlarged) regression RoIs;
    ``forward(x_cls, x_reg)``.

    Args:
        num_convs / num_fcs: Conv and fc branch depths (both > 0).
        conv_out_channels / fc_out_channels: Branch widths. conv_cfg / norm_cfg: The conv branch.
    """

    def __init__(self, num_convs: int = 0, num_fcs: int = 0, conv_out_channels: int = 1024,
                 fc_out_channels: int = 1024, conv_cfg=None, norm_cfg=dict(type='BN'),  # noqa: B006
                 init_cfg=dict(type='Normal', override=[  # noqa: B006
                     dict(type='Normal', name='fc_cls', std=0.01), dict(type='Normal', name='fc_reg', std=0.001),
                     dict(type='Xavier', name='fc_branch', distribution='uniform')]),
                 **kwargs):
        kwargs.setdefault('with_avg_pool', True)
        super().__init__(init_cfg=init_cfg, **kwargs)
        if not self.with_avg_pool or num_convs <= 0 or num_fcs <= 0:
            raise ValueError('DoubleConvFCBBoxHead needs with_avg_pool=True and num_convs, num_fcs > 0; got '
                             f'{self.with_avg_pool}, {num_convs}, {num_fcs}')
        self.num_convs, self.num_fcs = num_convs, num_fcs
        self.conv_out_channels, self.fc_out_channels = conv_out_channels, fc_out_channels
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.res_block = BasicResBlock(self.in_channels, conv_out_channels)
        self.conv_branch = nn.ModuleList([Bottleneck(inplanes=conv_out_channels, planes=conv_out_channels // 4,
                                                     conv_cfg=conv_cfg, norm_cfg=norm_cfg) for _ in range(num_convs)])
        self.fc_branch = nn.ModuleList([nn.Linear(self.in_channels * self.roi_feat_area if i == 0 else fc_out_channels,
                                                  fc_out_channels) for i in range(num_fcs)])
        self.fc_reg = nn.Linear(conv_out_channels, 4 if self.reg_class_agnostic else 4 * self.num_classes)
        self.fc_cls = nn.Linear(fc_out_channels, self.num_classes + 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x_cls, x_reg):
        """``cls_score`` from ``x_cls``, ``bbox_pred`` from ``x_reg``."""
        x_conv = self.res_block(x_reg)
        for conv in self.conv_branch:
            x_conv = conv(x_conv)
        bbox_pred = self.fc_reg(self.avg_pool(x_conv).flatten(1))
        x_fc = x_cls.flatten(1)
        for fc in self.fc_branch:
            x_fc = self.relu(fc(x_fc))
        return self.fc_cls(x_fc), bbox_pred
