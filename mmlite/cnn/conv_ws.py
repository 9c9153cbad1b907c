"""Weight-standardized convolutions: ``conv_ws_2d``, ``ConvWS2d`` ('ConvWS') and ``ConvAWS2d`` ('ConvAWS')."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layer_builders import CONV_LAYERS


def _standardize(weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Each output channel's filter minus its mean, over its (unbiased) std plus ``eps``."""
    flat = weight.flatten(1)
    mean = flat.mean(dim=1).view(-1, 1, 1, 1)
    std = flat.std(dim=1).view(-1, 1, 1, 1)
    return (weight - mean) / (std + eps)


def conv_ws_2d(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,  # noqa: A002
               stride=1, padding=0, dilation=1, groups: int = 1, eps: float = 1e-5) -> torch.Tensor:
    """``F.conv2d`` with a weight-standardized ``weight``."""
    return F.conv2d(input, _standardize(weight, eps), bias, stride, padding, dilation, groups)


@CONV_LAYERS.register_module(name='ConvWS')
class ConvWS2d(nn.Conv2d):
    """``nn.Conv2d`` whose filters are standardized (zero mean, unit std) at every forward."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, eps: float = 1e-5, padding_mode: str = 'zeros'):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, _standardize(self.weight, self.eps), self.bias)


@CONV_LAYERS.register_module(name='ConvAWS')
class ConvAWS2d(nn.Conv2d):
    """Adaptive weight standardization: standardized filters scaled by the buffer ``weight_gamma`` and
    shifted by ``weight_beta`` (per output channel).

    A checkpoint without these buffers (a plain conv's weights) loads with gamma and beta set to the
    filters' std and mean, so the layer computes what the plain conv computed.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = 'zeros'):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode)
        self.register_buffer('weight_gamma', torch.ones(self.out_channels, 1, 1, 1))
        self.register_buffer('weight_beta', torch.zeros(self.out_channels, 1, 1, 1))

    @staticmethod
    def _moments(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = weight.flatten(1)
        mean = flat.mean(dim=1).view(-1, 1, 1, 1)
        std = torch.sqrt(flat.var(dim=1).view(-1, 1, 1, 1) + 1e-5)
        return mean, std

    def _get_weight(self, weight: torch.Tensor) -> torch.Tensor:
        mean, std = self._moments(weight)
        return self.weight_gamma * (weight - mean) / std + self.weight_beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self._get_weight(self.weight), self.bias)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        has_affine = prefix + 'weight_gamma' in state_dict
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
        if has_affine:
            return
        with torch.no_grad():
            mean, std = self._moments(self.weight)
            self.weight_beta.copy_(mean)
            self.weight_gamma.copy_(std)
        for name in ('weight_gamma', 'weight_beta'):
            if prefix + name in missing_keys:
                missing_keys.remove(prefix + name)
