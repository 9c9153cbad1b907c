"""mmcv.ops' focal losses (``sigmoid_focal_loss``, ``softmax_focal_loss`` and their modules) in PyTorch.

Targets are class indices; for the sigmoid loss ``num_classes`` (one past the last class) is
background. ``weight`` is per class, applied to each sample's target class, as mmcv's kernels did;
background rows of the sigmoid loss are left unweighted (mmcv read past the weight array there).
"""
from __future__ import annotations

import torch
import torch.nn as nn

_REDUCTIONS = ('none', 'mean', 'sum')
_LOG_FLT_MIN = float(torch.finfo(torch.float32).tiny)


def _check(input: torch.Tensor, target: torch.Tensor, weight, reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{name} reduction must be one of {_REDUCTIONS}, got {reduction!r}')
    if target.dtype != torch.long or input.dim() != 2 or target.dim() != 1 or len(input) != len(target):
        raise ValueError(f'{name} needs input (n, num_classes) and long class indices (n,), got input '
                         f'{tuple(input.shape)} and target {tuple(target.shape)} {target.dtype}')
    if weight is not None and weight.shape != (input.size(1), ):
        raise ValueError(f'{name} weight must hold one value per class ({input.size(1)}), got {tuple(weight.shape)}')


def _reduce(loss: torch.Tensor, reduction: str, count: int) -> torch.Tensor:
    if reduction == 'mean':
        return loss.sum() / count
    return loss.sum() if reduction == 'sum' else loss


def sigmoid_focal_loss(input: torch.Tensor, target: torch.Tensor, gamma: float = 2.0, alpha: float = 0.25,
                       weight: torch.Tensor | None = None, reduction: str = 'mean') -> torch.Tensor:
    """Per-class sigmoid focal loss of logits ``(n, C)``; 'none' gives ``(n, C)``, 'mean' the sum over
    ``n``."""
    _check(input, target, weight, reduction, 'sigmoid_focal_loss')
    prob = input.sigmoid()
    positive = target[:, None] == torch.arange(input.size(1), device=input.device)
    term_p = (1 - prob).pow(gamma) * prob.clamp_min(_LOG_FLT_MIN).log()
    term_n = prob.pow(gamma) * (1 - prob).clamp_min(_LOG_FLT_MIN).log()
    loss = torch.where(positive, -alpha * term_p, -(1 - alpha) * term_n)
    if weight is not None:
        foreground = target < input.size(1)
        row_weight = torch.where(foreground, weight[target.clamp_max(input.size(1) - 1)], weight.new_ones(()))
        loss = loss * row_weight[:, None]
    return _reduce(loss, reduction, input.size(0))


def softmax_focal_loss(input: torch.Tensor, target: torch.Tensor, gamma: float = 2.0, alpha: float = 0.25,
                       weight: torch.Tensor | None = None, reduction: str = 'mean') -> torch.Tensor:
    """Softmax focal loss ``-alpha (1 - p_t)^gamma log p_t`` of logits ``(n, C)``; 'none' gives ``(n,)``."""
    _check(input, target, weight, reduction, 'softmax_focal_loss')
    prob = input.softmax(dim=1).gather(1, target[:, None])[:, 0]
    loss = -alpha * (1 - prob).pow(gamma) * prob.clamp_min(_LOG_FLT_MIN).log()
    if weight is not None:
        loss = loss * weight[target]
    return _reduce(loss, reduction, input.size(0))


class _FocalLoss(nn.Module):

    def __init__(self, gamma: float, alpha: float, weight: torch.Tensor | None = None, reduction: str = 'mean'):
        super().__init__()
        self.gamma, self.alpha, self.reduction = float(gamma), float(alpha), reduction
        self.register_buffer('weight', weight)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(gamma={self.gamma}, alpha={self.alpha}, reduction={self.reduction})'


class SigmoidFocalLoss(_FocalLoss):
    """Module form of :func:`sigmoid_focal_loss`."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return sigmoid_focal_loss(input, target, self.gamma, self.alpha, self.weight, self.reduction)


class SoftmaxFocalLoss(_FocalLoss):
    """Module form of :func:`softmax_focal_loss`."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return softmax_focal_loss(input, target, self.gamma, self.alpha, self.weight, self.reduction)
