"""``YOLOV3Neck``: YOLOv3's top-down path of detection blocks (mmdet 2.x arguments and parameter names)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...cnn import ConvModule
from ...runner import BaseModule
from ..builder import NECKS

_LEAKY = dict(type='LeakyReLU', negative_slope=0.1)


class DetectionBlock(BaseModule):
    """Five convs alternating 1x1 (``out_channels``) and 3x3 (twice as wide)."""

    def __init__(self, in_channels: int, out_channels: int, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=_LEAKY, init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        double = out_channels * 2
        self.conv1 = ConvModule(in_channels, out_channels, 1, **cfg)
        self.conv2 = ConvModule(out_channels, double, 3, padding=1, **cfg)
        self.conv3 = ConvModule(double, out_channels, 1, **cfg)
        self.conv4 = ConvModule(out_channels, double, 3, padding=1, **cfg)
        self.conv5 = ConvModule(double, out_channels, 1, **cfg)

    def forward(self, x):
        return self.conv5(self.conv4(self.conv3(self.conv2(self.conv1(x)))))


@NECKS.register_module()
class YOLOV3Neck(BaseModule):
    """From the deepest input up: a detection block; then, per shallower input, a 1x1 conv of the previous
    output, upsampled x2 and concatenated with the input, into the next detection block.

    Args:
        num_scales: Number of inputs/outputs.
        in_channels: Channels of the inputs, deepest first.
        out_channels: Channels of the outputs, deepest first.
    """

    def __init__(self, num_scales: int, in_channels: list, out_channels: list, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), act_cfg=_LEAKY, init_cfg=None):  # noqa: B006
        super().__init__(init_cfg)
        if not num_scales == len(in_channels) == len(out_channels):
            raise ValueError(f'YOLOV3Neck: num_scales={num_scales} needs as many in_channels ({in_channels}) and '
                             f'out_channels ({out_channels})')
        self.num_scales, self.in_channels, self.out_channels = num_scales, in_channels, out_channels
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.detect1 = DetectionBlock(in_channels[0], out_channels[0], **cfg)
        for i in range(1, num_scales):
            self.add_module(f'conv{i}', ConvModule(out_channels[i - 1], out_channels[i], 1, **cfg))
            self.add_module(f'detect{i + 1}', DetectionBlock(in_channels[i] + out_channels[i], out_channels[i], **cfg))

    def forward(self, feats):
        if len(feats) != self.num_scales:
            raise ValueError(f'YOLOV3Neck expects {self.num_scales} inputs, got {len(feats)}')
        out = self.detect1(feats[-1])
        outs = [out]
        for i, x in enumerate(reversed(feats[:-1])):
            up = F.interpolate(getattr(self, f'conv{i + 1}')(out), scale_factor=2)
            out = getattr(self, f'detect{i + 2}')(torch.cat((up, x), 1))
            outs.append(out)
        return tuple(outs)
