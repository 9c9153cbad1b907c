"""Deformable convolutions with mmcv.ops names (``DeformConv2d``/``DCN``, ``ModulatedDeformConv2d``/``DCNv2``) on
``torchvision.ops.deform_conv2d``, whose offset layout (``[y0, x0, y1, x1, ...]`` per deformable group) and
modulation are mmcv's: the same weights give the same outputs."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair
from torchvision.ops import deform_conv2d as tv_deform_conv2d

from ..cnn import CONV_LAYERS
from ..utils import deprecated_api_warning, print_log


def _check_shapes(input: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor, groups: int,
                  deform_groups: int) -> None:
    """torchvision infers the groups from the shapes: say so when they disagree with the arguments."""
    if input.shape[1] != weight.shape[1] * groups:
        raise ValueError(f'input has {input.shape[1]} channels; a weight of {weight.shape[1]} input channels per '
                         f'group with groups={groups} needs {weight.shape[1] * groups}')
    _check_offset(offset, weight.shape[-2:], deform_groups, 2)


def _check_offset(offset: torch.Tensor, kernel_size: tuple, deform_groups: int, per_point: int) -> None:
    expected = deform_groups * per_point * kernel_size[0] * kernel_size[1]
    if offset.shape[1] != expected:
        raise ValueError(f'offset has {offset.shape[1]} channels; {deform_groups} deform group(s) of a '
                         f'{kernel_size[0]}x{kernel_size[1]} kernel need {expected}')


def _finite_offsets(offset: torch.Tensor) -> torch.Tensor:
    """Non-finite offsets moved far outside the image: they sample zero, as in mmcv's kernels (torchvision's CPU
    kernel reads out of bounds on NaN and crashes the process)."""
    return torch.nan_to_num(offset, nan=-1e6, posinf=-1e6, neginf=-1e6)


def deform_conv2d(input: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor, stride=1, padding=0,
                  dilation=1, groups: int = 1, deform_groups: int = 1, bias: bool = False,
                  im2col_step: int = 32) -> torch.Tensor:
    """mmcv's functional deformable convolution (no bias; ``groups``/``deform_groups`` follow from the
    shapes; ``im2col_step`` is a memory knob of mmcv's kernel and is ignored)."""
    if bias:
        raise ValueError('deform_conv2d has no bias (as mmcv); use modulated_deform_conv2d for one')
    _check_shapes(input, offset, weight, groups, deform_groups)
    return tv_deform_conv2d(input, _finite_offsets(offset), weight, None, _pair(stride), _pair(padding),
                            _pair(dilation))


def modulated_deform_conv2d(input: torch.Tensor, offset: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor,
                            bias: torch.Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1,
                            deform_groups: int = 1) -> torch.Tensor:
    """mmcv's functional modulated deformable convolution (DCNv2): sampled values scaled by ``mask``."""
    _check_shapes(input, offset, weight, groups, deform_groups)
    return tv_deform_conv2d(input, _finite_offsets(offset), weight, bias, _pair(stride), _pair(padding),
                            _pair(dilation), mask)


def upgrade_offset_conv_keys(parent: nn.Module, state_dict: dict, prefix: str) -> None:
    """Rename mmdet 1.x keys of ``parent``'s deformable Pack children in place: the offset conv was stored
    beside the Pack (``conv2_offset.weight``), not inside it (``conv2.conv_offset.weight``). Called from the
    parent's ``_load_from_state_dict``: torch hands a child only the keys under its own prefix."""
    for name, child in parent.named_children():
        if not isinstance(child, (DeformConv2dPack, ModulatedDeformConv2dPack)):
            continue
        for param in ('weight', 'bias'):
            old, new = f'{prefix}{name}_offset.{param}', f'{prefix}{name}.conv_offset.{param}'
            if new not in state_dict and old in state_dict:
                state_dict[new] = state_dict.pop(old)
                print_log(f'loaded the mmdet 1.x key {old} as {new}', logger='root')


class _DeformConvBase(nn.Module):
    """Geometry and weight shared by the two deformable convolutions."""

    def _setup(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, deform_groups):
        if in_channels % groups or out_channels % groups:
            raise ValueError(f'{type(self).__name__}: in_channels {in_channels} and out_channels {out_channels} '
                             f'must be divisible by groups {groups}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)
        self.padding, self.dilation = _pair(padding), _pair(dilation)
        self.groups, self.deform_groups = groups, deform_groups
        self.transposed, self.output_padding = False, (0, )
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *self.kernel_size))

    def _offset_conv(self, per_point: int) -> nn.Conv2d:
        """The conv predicting ``per_point`` values per kernel point and deform group (the Packs zero it)."""
        return nn.Conv2d(self.in_channels, self.deform_groups * per_point * self.kernel_size[0] *
                         self.kernel_size[1], kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                         dilation=self.dilation, bias=True)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, '
                f'padding={self.padding}, dilation={self.dilation}, groups={self.groups}, '
                f'deform_groups={self.deform_groups}')


class DeformConv2d(_DeformConvBase):
    """Deformable convolution v1: ``forward(x, offset)`` samples the input at the kernel points shifted by
    ``offset`` (``(N, deform_groups*2*kh*kw, H_out, W_out)``). No bias, as mmcv."""

    @deprecated_api_warning({'deformable_groups': 'deform_groups'}, cls_name='DeformConv2d')
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, deform_groups: int = 1, bias: bool = False, im2col_step: int = 32):
        super().__init__()
        if bias:
            raise ValueError(f'bias={bias} is not supported in DeformConv2d (as mmcv)')
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, deform_groups)
        self.im2col_step = im2col_step
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, nonlinearity='relu')

    def forward(self, x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        # (mmcv zero-pads inputs smaller than the kernel and crops the output; torchvision needs no such step)
        return deform_conv2d(x, offset, self.weight, self.stride, self.padding, self.dilation, self.groups,
                             self.deform_groups)


@CONV_LAYERS.register_module('DCN')
class DeformConv2dPack(DeformConv2d):
    """:class:`DeformConv2d` that predicts its offsets with a zero-initialised conv (``conv_offset``) of the
    same geometry: it starts as a plain convolution. Registered as conv layer ``'DCN'``."""

    _version = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conv_offset = self._offset_conv(2)
        self.init_offset()

    def init_offset(self) -> None:
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return deform_conv2d(x, self.conv_offset(x), self.weight, self.stride, self.padding, self.dilation,
                             self.groups, self.deform_groups)


class ModulatedDeformConv2d(_DeformConvBase):
    """Modulated deformable convolution (DCNv2): ``forward(x, offset, mask)``, each sampled value scaled by
    ``mask`` (``(N, deform_groups*kh*kw, H_out, W_out)``); with a bias by default."""

    @deprecated_api_warning({'deformable_groups': 'deform_groups'}, cls_name='ModulatedDeformConv2d')
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, deform_groups: int = 1, bias=True):
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, deform_groups)
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.init_weights()

    def init_weights(self) -> None:
        bound = 1. / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor, offset: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return modulated_deform_conv2d(x, offset, mask, self.weight, self.bias, self.stride, self.padding,
                                       self.dilation, self.groups, self.deform_groups)


@CONV_LAYERS.register_module('DCNv2')
class ModulatedDeformConv2dPack(ModulatedDeformConv2d):
    """:class:`ModulatedDeformConv2d` whose offsets and masks come from a zero-initialised ``conv_offset``
    (3 values per kernel point: y/x offsets and the mask logit, sigmoid-ed). Registered as ``'DCNv2'``."""

    _version = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conv_offset = self._offset_conv(3)
        self.init_weights()  # again, as mmcv (the weight is redrawn after the offset conv exists)

    def init_weights(self) -> None:
        super().init_weights()
        if hasattr(self, 'conv_offset'):
            nn.init.zeros_(self.conv_offset.weight)
            nn.init.zeros_(self.conv_offset.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_offset(x)
        split = out.shape[1] // 3 * 2  # offsets are the first two thirds of the channels, mask logits the rest
        return modulated_deform_conv2d(x, out[:, :split], out[:, split:].sigmoid(), self.weight, self.bias,
                                       self.stride, self.padding, self.dilation, self.groups, self.deform_groups)
