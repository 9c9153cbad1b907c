"""``SSDVGG``: VGG-16 with SSD's dilated fc6/fc7 convolutions (mmdet 2.x arguments and parameter names)."""
from __future__ import annotations

import warnings

import torch.nn as nn

from ...cnn import VGG
from ...runner import BaseModule
from ..builder import BACKBONES
from ..necks.ssd_neck import L2Norm  # noqa: F401 (mmdet 2.x kept this deprecated copy here)


@BACKBONES.register_module()
class SSDVGG(VGG, BaseModule):
    """VGG (``ceil_mode`` pools, no last pool) plus a 3x3/1 max-pool, a dilated 3x3 conv to 1024 channels and
    a 1x1 conv: ``features`` indices 22 (conv4_3) and 34 (fc7) are SSD300's outputs.

    Args:
        depth: VGG depth (16).
        with_last_pool / ceil_mode / out_indices: As :class:`VGG`.
        out_feature_indices: ``features`` indices whose outputs are returned.
        input_size / l2_norm_scale: Deprecated (the L2 norm is in ``SSDNeck``); accepted with a warning.
    """

    extra_setting = {
        300: (256, 'S', 512, 128, 'S', 256, 128, 256, 128, 256),
        512: (256, 'S', 512, 128, 'S', 256, 128, 'S', 256, 128, 'S', 256, 128),
    }

    def __init__(self, depth: int, with_last_pool: bool = False, ceil_mode: bool = True, out_indices=(3, 4),
                 out_feature_indices=(22, 34), pretrained=None, init_cfg=None, input_size=None, l2_norm_scale=None):
        super().__init__(depth, with_last_pool=with_last_pool, ceil_mode=ceil_mode, out_indices=out_indices)
        for layer in (nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                      nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6), nn.ReLU(inplace=True),
                      nn.Conv2d(1024, 1024, kernel_size=1), nn.ReLU(inplace=True)):
            self.features.add_module(str(len(self.features)), layer)
        self.out_feature_indices = out_feature_indices
        if init_cfg and pretrained:
            raise ValueError('init_cfg and pretrained cannot be specified at the same time')
        if init_cfg is not None:
            self.init_cfg = init_cfg
        elif isinstance(pretrained, str):
            warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
            self.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        elif pretrained is None:
            self.init_cfg = [dict(type='Kaiming', layer='Conv2d'), dict(type='Constant', val=1, layer='BatchNorm2d'),
                             dict(type='Normal', std=0.01, layer='Linear')]
        else:
            raise TypeError('pretrained must be a str or None')
        if input_size is not None:
            warnings.warn('DeprecationWarning: input_size is deprecated')
        if l2_norm_scale is not None:
            warnings.warn('DeprecationWarning: l2_norm_scale in VGG is deprecated, it has been moved to SSDNeck.')

    def init_weights(self, pretrained=None) -> None:
        """``init_cfg`` initialisation (BaseModule's), not VGG's."""
        BaseModule.init_weights(self)

    def forward(self, x):
        outs = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.out_feature_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)
