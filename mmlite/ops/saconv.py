"""``SAConv2d`` (conv type 'SAC'): DetectoRS's switchable atrous convolution (mmcv.ops.saconv)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..cnn import CONV_LAYERS
from ..cnn.conv_ws import ConvAWS2d
from .deform_conv import deform_conv2d


@CONV_LAYERS.register_module(name='SAC')
class SAConv2d(ConvAWS2d):
    """An adaptively weight-standardized 3x3 conv run at its dilation and at 3x it (weights plus
    ``weight_diff``), mixed per pixel by a learned ``switch`` on the 5x5-averaged input, with global context
    added before (``pre_context``) and after (``post_context``). ``use_deform`` samples both with deformable
    offsets (``offset_s``/``offset_l``). As mmcv, the conv bias is never added."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, use_deform: bool = False):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
                         groups=groups, bias=bias)
        self.use_deform = use_deform
        self.switch = nn.Conv2d(self.in_channels, 1, kernel_size=1, stride=stride, bias=True)
        self.weight_diff = nn.Parameter(torch.Tensor(self.weight.size()))
        self.pre_context = nn.Conv2d(self.in_channels, self.in_channels, kernel_size=1, bias=True)
        self.post_context = nn.Conv2d(self.out_channels, self.out_channels, kernel_size=1, bias=True)
        if use_deform:
            self.offset_s = nn.Conv2d(self.in_channels, 18, kernel_size=3, padding=1, stride=stride, bias=True)
            self.offset_l = nn.Conv2d(self.in_channels, 18, kernel_size=3, padding=1, stride=stride, bias=True)
        self.init_weights()

    def init_weights(self) -> None:
        """Start as the plain conv: switch fully on the small dilation, no context, no offsets."""
        nn.init.zeros_(self.switch.weight)
        nn.init.ones_(self.switch.bias)
        self.weight_diff.data.zero_()
        for conv in (self.pre_context, self.post_context) + ((self.offset_s, self.offset_l) if self.use_deform
                                                             else ()):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def _branch(self, x: torch.Tensor, weight: torch.Tensor, scale: int, offset_conv, context: torch.Tensor):
        padding = tuple(scale * p for p in self.padding)
        dilation = tuple(scale * d for d in self.dilation)
        if self.use_deform:
            return deform_conv2d(x, offset_conv(context), weight, self.stride, padding, dilation, self.groups, 1)
        return F.conv2d(x, weight, None, self.stride, padding, dilation, self.groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.pre_context(F.adaptive_avg_pool2d(x, output_size=1)).expand_as(x)
        context = F.avg_pool2d(F.pad(x, pad=(2, 2, 2, 2), mode='reflect'), kernel_size=5, stride=1, padding=0)
        switch = self.switch(context)
        weight = self._get_weight(self.weight)
        out_s = self._branch(x, weight, 1, getattr(self, 'offset_s', None), context)
        out_l = self._branch(x, weight + self.weight_diff, 3, getattr(self, 'offset_l', None), context)
        out = switch * out_s + (1 - switch) * out_l
        return out + self.post_context(F.adaptive_avg_pool2d(out, output_size=1)).expand_as(out)
