"""``CTResNetNeck``: CenterNet's upsampling neck on the last backbone level."""
from __future__ import annotations

import math

import torch.nn as nn

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS


@NECKS.register_module()
class CTResNetNeck(BaseModule):
    """Per stage a 3x3 conv (a modulated deformable one with ``use_dcn``) and a stride-2 transposed conv, each
    with BN and ReLU, on the last input level; returns a one-level tuple.

    Args:
        in_channel: Channels of the last input level.
        num_deconv_filters / num_deconv_kernels: Channels and transposed-conv kernel of each stage.
        use_dcn: DCNv2 for the 3x3 convs. Defaults to True.
    """

    def __init__(self, in_channel: int, num_deconv_filters, num_deconv_kernels, use_dcn: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg)
        if len(num_deconv_filters) != len(num_deconv_kernels):
            raise ValueError(f'CTResNetNeck: {len(num_deconv_filters)} num_deconv_filters but '
                             f'{len(num_deconv_kernels)} num_deconv_kernels')
        self.use_dcn, self.in_channel = use_dcn, in_channel
        self.fp16_enabled = False
        self.deconv_layers = self._make_deconv_layer(num_deconv_filters, num_deconv_kernels)

    def _make_deconv_layer(self, num_deconv_filters, num_deconv_kernels) -> nn.Sequential:
        layers = []
        for channels, kernel in zip(num_deconv_filters, num_deconv_kernels):
            layers.append(ConvModule(self.in_channel, channels, 3, padding=1,
                                     conv_cfg=dict(type='DCNv2') if self.use_dcn else None, norm_cfg=dict(type='BN')))
            layers.append(ConvModule(channels, channels, kernel, stride=2, padding=1, conv_cfg=dict(type='deconv'),
                                     norm_cfg=dict(type='BN')))
            self.in_channel = channels
        return nn.Sequential(*layers)

    def init_weights(self) -> None:
        """mmdet's init: transposed convs reset, then bilinear upsampling kernels in their ``[c, 0]`` slices;
        unit BNs; without DCN the plain convs reset to PyTorch's default (the children's own inits do not
        run, as in mmdet)."""
        for m in self.modules():
            if isinstance(m, nn.ConvTranspose2d):
                m.reset_parameters()
                weight = m.weight.data
                f = math.ceil(weight.size(2) / 2)
                c = (2 * f - 1 - f % 2) / (2. * f)
                for i in range(weight.size(2)):
                    for j in range(weight.size(3)):
                        weight[0, 0, i, j] = (1 - math.fabs(i / f - c)) * (1 - math.fabs(j / f - c))
                for channel in range(1, weight.size(0)):
                    weight[channel, 0, :, :] = weight[0, 0, :, :]
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif not self.use_dcn and isinstance(m, nn.Conv2d):
                m.reset_parameters()
        self._is_init = True

    def forward(self, inputs) -> tuple:
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f'CTResNetNeck takes the list of backbone levels, got {type(inputs).__name__}')
        return self.deconv_layers(inputs[-1]),
