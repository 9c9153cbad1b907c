"""Gradient Harmonizing Mechanism losses (Li et al., 2019): ``GHMC`` and ``GHMR``.

Each element's loss is weighted by the inverse density of its gradient norm (histogrammed into ``bins``),
so the many easy examples and the few outliers both count less. mmdet counted each bin with a host sync;
here the histogram is one ``bincount`` on the device.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..builder import LOSSES
from .utils import weight_reduce_loss


def _expand_onehot_labels(labels: torch.Tensor, label_weights: torch.Tensor, label_channels: int) -> tuple:
    """``(n,)`` labels (``label_channels`` or more: background) -> ``(n, label_channels)`` binary targets."""
    targets = labels.new_zeros((labels.size(0), label_channels))
    fg = (labels >= 0) & (labels < label_channels)
    targets[fg, labels[fg]] = 1
    return targets, label_weights.view(-1, 1).expand(label_weights.size(0), label_channels)


class _GradientHarmonizing(nn.Module):
    """Bin edges, the optional moving average of the bin counts (``acc_sum``) and the density weights."""

    def __init__(self, bins: int, momentum: float, last_edge: float, loss_weight: float, reduction: str):
        super().__init__()
        self.bins, self.momentum, self.loss_weight, self.reduction = bins, momentum, loss_weight, reduction
        edges = torch.arange(bins + 1).float() / bins
        edges[-1] = last_edge
        self.register_buffer('edges', edges)
        if momentum > 0:
            self.register_buffer('acc_sum', torch.zeros(bins))

    def _density_weights(self, g: torch.Tensor, valid: torch.Tensor, total: torch.Tensor) -> torch.Tensor:
        """``total / (count of g's bin)`` per valid element, divided by the number of non-empty bins."""
        index = torch.bucketize(g, self.edges, right=True) - 1
        in_bins = valid & (index >= 0) & (index < self.bins)
        index = index.clamp(0, self.bins - 1)
        counts = torch.bincount(index[in_bins], minlength=self.bins).to(g.dtype)
        occupied = counts > 0
        if self.momentum > 0:
            updated = self.momentum * self.acc_sum + (1 - self.momentum) * counts
            self.acc_sum.copy_(torch.where(occupied, updated, self.acc_sum))
            counts = self.acc_sum.to(g.dtype)
        per_bin = torch.where(occupied, total / counts.clamp(min=1e-12), counts.new_zeros(()))
        weights = torch.where(in_bins, per_bin[index], g.new_zeros(()))
        return weights / occupied.sum().clamp(min=1)

    def _reduce(self, loss, weights, total, reduction_override):
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError(f'invalid reduction_override {reduction_override!r}')
        reduction = reduction_override or self.reduction
        # mean: over the valid elements; sum: plain (mmdet raised here, passing its avg_factor to a sum)
        avg_factor = total if reduction == 'mean' else None
        return weight_reduce_loss(loss, weights, reduction=reduction, avg_factor=avg_factor) * self.loss_weight


@LOSSES.register_module()
class GHMC(_GradientHarmonizing):
    """GHM classification loss (sigmoid BCE).

    Args:
        bins: Histogram bins of the gradient norm ``|sigmoid(pred) - target|``. Defaults to 10.
        momentum: Moving average of the bin counts across iterations (0: none). Defaults to 0.
        use_sigmoid: Must be True.
        loss_weight / reduction: As the other losses.
    """

    def __init__(self, bins: int = 10, momentum: float = 0, use_sigmoid: bool = True, loss_weight: float = 1.0,
                 reduction: str = 'mean'):
        super().__init__(bins, momentum, 1.0 + 1e-6, loss_weight, reduction)
        if not use_sigmoid:
            raise NotImplementedError('GHMC supports use_sigmoid=True only (as mmdet 2.x)')
        self.use_sigmoid = use_sigmoid

    def forward(self, pred, target, label_weight, reduction_override=None, **kwargs):
        """``target`` is ``(n,)`` labels or ``(n, c)`` binary targets; ``avg_factor`` is ignored (the number of
        valid elements is used, as mmdet)."""
        if pred.dim() != target.dim():
            target, label_weight = _expand_onehot_labels(target, label_weight, pred.size(-1))
        target, label_weight = target.float(), label_weight.float()
        valid = label_weight > 0
        total = valid.float().sum().clamp(min=1.0)
        weights = self._density_weights(torch.abs(pred.sigmoid().detach() - target), valid, total)
        loss = F.binary_cross_entropy_with_logits(pred, target, reduction='none')
        return self._reduce(loss, weights, total, reduction_override)


@LOSSES.register_module()
class GHMR(_GradientHarmonizing):
    """GHM regression loss (authentic smooth L1: ``sqrt(d^2 + mu^2) - mu``).

    Args:
        mu: Smoothness. Defaults to 0.02.
        bins / momentum / loss_weight / reduction: As :class:`GHMC`.
    """

    def __init__(self, mu: float = 0.02, bins: int = 10, momentum: float = 0, loss_weight: float = 1.0,
                 reduction: str = 'mean'):
        super().__init__(bins, momentum, 1e3, loss_weight, reduction)
        self.mu = mu

    def forward(self, pred, target, label_weight, avg_factor=None, reduction_override=None):
        """``avg_factor`` is ignored (the sum of ``label_weight`` is used, as mmdet)."""
        diff = pred - target
        root = torch.sqrt(diff * diff + self.mu * self.mu)
        loss = root - self.mu
        total = label_weight.float().sum().clamp(min=1.0)
        weights = self._density_weights(torch.abs(diff / root).detach(), label_weight > 0, total)
        return self._reduce(loss, weights, total, reduction_override)
