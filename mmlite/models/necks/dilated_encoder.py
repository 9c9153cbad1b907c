"""``DilatedEncoder``: YOLOF's single-level neck (projection, then dilated residual blocks)."""
from __future__ import annotations

import torch.nn as nn

from ...cnn import ConvModule, caffe2_xavier_init, constant_init, is_norm, normal_init
from ..builder import NECKS


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 dilated, 1x1 expand (each conv, BN, ReLU), plus the input."""

    def __init__(self, in_channels: int, mid_channels: int, dilation: int,
                 norm_cfg=dict(type='BN', requires_grad=True)):  # noqa: B006
        super().__init__()
        self.conv1 = ConvModule(in_channels, mid_channels, 1, norm_cfg=norm_cfg)
        self.conv2 = ConvModule(mid_channels, mid_channels, 3, padding=dilation, dilation=dilation, norm_cfg=norm_cfg)
        self.conv3 = ConvModule(mid_channels, in_channels, 1, norm_cfg=norm_cfg)

    def forward(self, x):
        return self.conv3(self.conv2(self.conv1(x))) + x


@NECKS.register_module()
class DilatedEncoder(nn.Module):
    """YOLOF (Chen et al., 2021): the last backbone level through a 1x1 and a 3x3 conv (each with BN), then
    ``num_residual_blocks`` bottlenecks with ``block_dilations``, widening the receptive field on one level.

    Args:
        in_channels / out_channels: Input (last backbone level) and output channels.
        block_mid_channels: Bottleneck width. num_residual_blocks / block_dilations: The blocks.
    """

    def __init__(self, in_channels: int, out_channels: int, block_mid_channels: int, num_residual_blocks: int,
                 block_dilations):
        super().__init__()
        if len(block_dilations) != num_residual_blocks:
            raise ValueError(f'DilatedEncoder: {num_residual_blocks} blocks need as many block_dilations, got '
                             f'{list(block_dilations)}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.block_mid_channels, self.num_residual_blocks = block_mid_channels, num_residual_blocks
        self.block_dilations = block_dilations
        self.lateral_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)
        self.lateral_norm = nn.BatchNorm2d(out_channels)
        self.fpn_conv = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.fpn_norm = nn.BatchNorm2d(out_channels)
        self.dilated_encoder_blocks = nn.Sequential(*[Bottleneck(out_channels, block_mid_channels, dilation)
                                                      for dilation in block_dilations])

    def init_weights(self) -> None:
        caffe2_xavier_init(self.lateral_conv)
        caffe2_xavier_init(self.fpn_conv)
        for norm in (self.lateral_norm, self.fpn_norm):
            constant_init(norm, 1)
        for m in self.dilated_encoder_blocks.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, mean=0, std=0.01)
            if is_norm(m):
                constant_init(m, 1)

    def forward(self, feature):
        """A one-level tuple from the last input level."""
        out = self.fpn_norm(self.fpn_conv(self.lateral_norm(self.lateral_conv(feature[-1]))))
        return self.dilated_encoder_blocks(out),
