"""Dropout layers with mmcv.cnn names: ``DropPath`` (stochastic depth), ``Dropout`` and ``build_dropout``."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..utils import Registry, build_from_cfg

DROPOUT_LAYERS = Registry('drop out layers')


def drop_path(x: torch.Tensor, drop_prob: float = 0., training: bool = False) -> torch.Tensor:
    """Zero whole samples of ``x`` with probability ``drop_prob`` (training only), scaling the kept ones by
    ``1 / (1 - drop_prob)``. One uniform draw per sample, as mmcv (seeded runs drop the same samples)."""
    if drop_prob == 0. or not training:
        return x
    draws = torch.rand((x.shape[0], ) + (1, ) * (x.ndim - 1), dtype=x.dtype, device=x.device)
    return x / (1 - drop_prob) * (draws >= drop_prob).to(x.dtype)


@DROPOUT_LAYERS.register_module()
class DropPath(nn.Module):
    """Stochastic depth on a residual branch: see :func:`drop_path`."""

    def __init__(self, drop_prob: float = 0.1):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob}'


@DROPOUT_LAYERS.register_module()
class Dropout(nn.Dropout):
    """``nn.Dropout`` whose probability is called ``drop_prob``, like :class:`DropPath`'s."""

    def __init__(self, drop_prob: float = 0.5, inplace: bool = False):
        super().__init__(p=drop_prob, inplace=inplace)


def build_dropout(cfg: dict, default_args: dict | None = None) -> nn.Module:
    """Build a dropout layer (``DropPath``, ``Dropout`` or a registered one) from ``cfg``."""
    return build_from_cfg(cfg, DROPOUT_LAYERS, default_args)
