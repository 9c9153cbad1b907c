"""``CoarseMaskHead``: PointRend's coarse mask branch, fully connected layers over the pooled RoI features."""
from __future__ import annotations

import torch.nn as nn

from ....cnn import ConvModule, Linear
from ....runner import BaseModule, auto_fp16
from ...builder import HEADS
from .fcn_mask_head import FCNMaskHead


@HEADS.register_module()
class CoarseMaskHead(FCNMaskHead):
    """Optional convs, a stride-``downsample_factor`` conv, ``num_fcs`` ReLU-activated fully connected layers and
    class logits of ``roi_feat_size / downsample_factor`` masks (targets, loss and pasting as ``FCNMaskHead``).

    Args:
        num_convs: 3x3 convs first. Defaults to 0.
        num_fcs: Fully connected layers (at least one). Defaults to 2.
        fc_out_channels: Their width. Defaults to 1024.
        downsample_factor: Kernel and stride of the downsampling conv (1: none). Defaults to 2.
    """

    def __init__(self, num_convs: int = 0, num_fcs: int = 2, fc_out_channels: int = 1024, downsample_factor: int = 2,
                 init_cfg=dict(type='Xavier', override=[dict(name='fcs'),  # noqa: B006
                                                        dict(type='Constant', val=0.001, name='fc_logits')]),
                 *args, **kwargs):
        super().__init__(*args, num_convs=num_convs, upsample_cfg=dict(type=None), init_cfg=None, **kwargs)
        if num_fcs < 1 or downsample_factor < 1:
            raise ValueError(f'CoarseMaskHead needs num_fcs >= 1 and downsample_factor >= 1, got {num_fcs} and '
                             f'{downsample_factor}')
        self.init_cfg = init_cfg
        self.num_fcs, self.fc_out_channels, self.downsample_factor = num_fcs, fc_out_channels, downsample_factor
        del self.conv_logits
        self.downsample_conv = None
        if downsample_factor > 1:
            self.downsample_conv = ConvModule(self.conv_out_channels if num_convs > 0 else self.in_channels,
                                              self.conv_out_channels, downsample_factor, stride=downsample_factor,
                                              conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        self.output_size = (self.roi_feat_size[0] // downsample_factor, self.roi_feat_size[1] // downsample_factor)
        self.output_area = self.output_size[0] * self.output_size[1]
        self.fcs = nn.ModuleList(
            Linear(self.conv_out_channels * self.output_area if i == 0 else fc_out_channels, fc_out_channels)
            for i in range(num_fcs))
        self.fc_logits = Linear(fc_out_channels, self.num_classes * self.output_area)

    def init_weights(self) -> None:
        BaseModule.init_weights(self)  # its init_cfg, not FCNMaskHead's initialisation

    @auto_fp16()
    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        if self.downsample_conv is not None:
            x = self.downsample_conv(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = self.relu(fc(x))
        return self.fc_logits(x).view(x.shape[0], self.num_classes, *self.output_size)
