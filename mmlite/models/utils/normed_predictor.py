"""Cosine-similarity predictors (mmdet.models.utils names): ``NormedLinear`` and ``NormedConv2d`` divide inputs
and weights by their norms and scale by a temperature (the configs' ``tempearture``, mmdet's spelling)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...cnn import CONV_LAYERS, LINEAR_LAYERS


def _normalized(x: torch.Tensor, norm: torch.Tensor, power: float, eps: float) -> torch.Tensor:
    return x / (norm.pow(power) + eps)


@LINEAR_LAYERS.register_module(name='NormedLinear')
class NormedLinear(nn.Linear):
    """``temperature * <x / |x|^power, w / |w|^power> + bias``; weights start at ``N(0, 0.01)``, bias at 0."""

    def __init__(self, *args, tempearture: float = 20, power: float = 1.0, eps: float = 1e-6, **kwargs):
        super().__init__(*args, **kwargs)
        self.tempearture, self.power, self.eps = tempearture, power, eps
        self.init_weights()

    def init_weights(self) -> None:
        nn.init.normal_(self.weight, mean=0, std=0.01)
        if self.bias is not None:
            nn.init.constant_(self.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = _normalized(self.weight, self.weight.norm(dim=1, keepdim=True), self.power, self.eps)
        x = _normalized(x, x.norm(dim=1, keepdim=True), self.power, self.eps) * self.tempearture
        return F.linear(x, weight, self.bias)


@CONV_LAYERS.register_module(name='NormedConv2d')
class NormedConv2d(nn.Conv2d):
    """A conv on channel-normalised inputs with normalised filters (over input channels per tap, or over the
    whole kernel with ``norm_over_kernel``), times ``tempearture``."""

    def __init__(self, *args, tempearture: float = 20, power: float = 1.0, eps: float = 1e-6,
                 norm_over_kernel: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.tempearture, self.power, self.eps, self.norm_over_kernel = tempearture, power, eps, norm_over_kernel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm_over_kernel:
            norm = self.weight.view(self.weight.shape[0], -1).norm(dim=1, keepdim=True)[..., None, None]
        else:
            norm = self.weight.norm(dim=1, keepdim=True)
        weight = _normalized(self.weight, norm, self.power, self.eps)
        x = _normalized(x, x.norm(dim=1, keepdim=True), self.power, self.eps) * self.tempearture
        return self._conv_forward(x, weight, self.bias)
