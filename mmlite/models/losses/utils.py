"""Loss reduction helpers (``weight_reduce_loss``, the ``weighted_loss`` decorator)."""
from __future__ import annotations

import functools
from typing import Callable

import torch
import torch.nn.functional as F


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    reduction_enum = F._Reduction.get_enum(reduction)
    if reduction_enum == 0:
        return loss
    if reduction_enum == 1:
        return loss.mean()
    return loss.sum()


def weight_reduce_loss(loss: torch.Tensor, weight: torch.Tensor | None = None, reduction: str = 'mean',
                       avg_factor=None) -> torch.Tensor:
    """Weight element-wise losses, then reduce (``mean`` divides by ``avg_factor`` when given)."""
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == 'mean':
        return loss.sum() / (avg_factor + torch.finfo(torch.float32).eps)
    if reduction != 'none':
        raise ValueError('avg_factor can not be used with reduction="sum"')
    return loss


def weighted_loss(loss_func: Callable) -> Callable:
    """Turn an element-wise ``loss_func(pred, target, **kw)`` into
    ``(pred, target, weight=None, reduction='mean', avg_factor=None, **kw)``."""

    @functools.wraps(loss_func)
    def wrapper(pred, target, weight=None, reduction='mean', avg_factor=None, **kwargs):
        return weight_reduce_loss(loss_func(pred, target, **kwargs), weight, reduction, avg_factor)

    return wrapper
