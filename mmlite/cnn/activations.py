"""mmcv's extra activation layers: ``HSigmoid``, ``HSwish``, ``Swish`` and ``Clamp`` (alias ``Clip``)."""
from __future__ import annotations

import torch
import torch.nn as nn

from .layer_builders import ACTIVATION_LAYERS


@ACTIVATION_LAYERS.register_module()
class HSigmoid(nn.Module):
    """Hard sigmoid ``clamp((x + bias) / divisor, min_value, max_value)``; the defaults equal
    ``nn.Hardsigmoid`` (mmcv 1.4.4 and later)."""

    def __init__(self, bias: float = 3.0, divisor: float = 6.0, min_value: float = 0.0, max_value: float = 1.0):
        super().__init__()
        if divisor == 0:
            raise ValueError('HSigmoid: divisor must not be 0')
        self.bias, self.divisor = bias, divisor
        self.min_value, self.max_value = min_value, max_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x + self.bias) / self.divisor).clamp_(self.min_value, self.max_value)


class HSwish(nn.Hardswish):
    """Hard swish ``x * relu6(x + 3) / 6`` (``nn.Hardswish``; config type 'HSwish')."""


class Swish(nn.SiLU):
    """Swish ``x * sigmoid(x)`` (``nn.SiLU``; config type 'Swish')."""

    def __init__(self):
        super().__init__()


@ACTIVATION_LAYERS.register_module(name=['Clamp', 'Clip'])
class Clamp(nn.Module):
    """Clamps its input to ``[min, max]``."""

    def __init__(self, min: float = -1., max: float = 1.):  # noqa: A002 (mmcv's argument names)
        super().__init__()
        self.min, self.max = min, max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=self.min, max=self.max)


ACTIVATION_LAYERS.register_module(name='HSwish', module=HSwish)
ACTIVATION_LAYERS.register_module(name='Swish', module=Swish)
