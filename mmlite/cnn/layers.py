"""mmcv.cnn's small layers: ``Scale``, ``is_norm``, padding layers, ``Conv2dAdaptivePadding``,
``PixelShufflePack`` and the layer wrappers (``Conv2d``, ``Linear``, ``MaxPool2d``...)."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from ..runner.weight_init import xavier_init
from ..utils import Registry
from .layer_builders import CONV_LAYERS, UPSAMPLE_LAYERS, lookup_layer

# mmcv's wrappers existed to accept empty batches on torch < 1.5; torch 2.x layers do that themselves.
Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d = nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.ConvTranspose3d
Linear, MaxPool2d, MaxPool3d = nn.Linear, nn.MaxPool2d, nn.MaxPool3d

PADDING_LAYERS = Registry('padding layer')
PADDING_LAYERS.register_module(name='zero', module=nn.ZeroPad2d)
PADDING_LAYERS.register_module(name='reflect', module=nn.ReflectionPad2d)
PADDING_LAYERS.register_module(name='replicate', module=nn.ReplicationPad2d)

for _name, _cls in (('deconv', nn.ConvTranspose2d), ('ConvTranspose2d', nn.ConvTranspose2d),
                    ('deconv3d', nn.ConvTranspose3d), ('ConvTranspose3d', nn.ConvTranspose3d)):
    CONV_LAYERS.register_module(name=_name, module=_cls)
UPSAMPLE_LAYERS.register_module(name='deconv3d', module=nn.ConvTranspose3d)


class Scale(nn.Module):
    """Multiplies its input by one learnable scalar (``scale``), as FCOS-style heads do per level."""

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale, dtype=torch.float))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def is_norm(layer: nn.Module, exclude: type | tuple | None = None) -> bool:
    """Whether ``layer`` is a batch, instance, group or layer norm (and not an instance of ``exclude``)."""
    if exclude is not None:
        if not isinstance(exclude, tuple):
            exclude = (exclude, )
        if not all(isinstance(cls, type) for cls in exclude):
            raise TypeError(f'"exclude" must be None, a type or a tuple of types, got {exclude!r}')
        if isinstance(layer, exclude):
            return False
    return isinstance(layer, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))


def build_padding_layer(cfg: dict, *args, **kwargs) -> nn.Module:
    """A padding layer: ``dict(type='zero' | 'reflect' | 'replicate')`` plus the padding as argument."""
    layer, cfg = lookup_layer(cfg, PADDING_LAYERS, 'padding_cfg')
    return layer(*args, **kwargs, **cfg)


@CONV_LAYERS.register_module(name='Conv2dAdaptivePadding')
class Conv2dAdaptivePadding(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow's "SAME" padding: the output size is ``ceil(input / stride)`` for any
    input size, the extra pixel (if any) going right and bottom."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = 'zeros'):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, kernel, stride, dilation in zip(x.shape[-2:], self.weight.shape[-2:], self.stride, self.dilation):
            out = math.ceil(size / stride)
            pads.append(max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0))
        pad_h, pad_w = pads
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


@UPSAMPLE_LAYERS.register_module(name='pixel_shuffle')
class PixelShufflePack(nn.Module):
    """Upsampling by a conv to ``out_channels * scale_factor**2`` channels and ``F.pixel_shuffle``."""

    def __init__(self, in_channels: int, out_channels: int, scale_factor: int, upsample_kernel: int):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.scale_factor, self.upsample_kernel = scale_factor, upsample_kernel
        self.upsample_conv = nn.Conv2d(in_channels, out_channels * scale_factor * scale_factor, upsample_kernel,
                                       padding=(upsample_kernel - 1) // 2)
        self.init_weights()

    def init_weights(self) -> None:
        xavier_init(self.upsample_conv, distribution='uniform')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.upsample_conv(x), self.scale_factor)
