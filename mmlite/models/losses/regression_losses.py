"""Box regression losses: ``L1Loss``, ``SmoothL1Loss``, ``IoULoss``, ``GIoULoss``."""
from __future__ import annotations

import torch
import torch.nn as nn

from ...core.bbox import bbox_overlaps
from ..builder import LOSSES
from .utils import weighted_loss


@weighted_loss
def l1_loss(pred, target):
    if target.numel() == 0:
        return pred.sum() * 0
    return torch.abs(pred - target)


@weighted_loss
def smooth_l1_loss(pred, target, beta=1.0):
    if beta <= 0:
        raise ValueError(f'beta must be positive, got {beta}')
    if target.numel() == 0:
        return pred.sum() * 0
    diff = torch.abs(pred - target)
    return torch.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)


@weighted_loss
def iou_loss(pred, target, linear=False, mode='log', eps=1e-6):
    ious = bbox_overlaps(pred, target, is_aligned=True).clamp(min=eps)
    if mode == 'linear':
        return 1 - ious
    if mode == 'square':
        return 1 - ious**2
    return -ious.log()


@weighted_loss
def giou_loss(pred, target, eps=1e-7):
    return 1 - bbox_overlaps(pred, target, mode='giou', is_aligned=True, eps=eps)


class _BoxLoss(nn.Module):

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__()
        self.reduction, self.loss_weight = reduction, loss_weight

    def _reduction(self, reduction_override) -> str:
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError(f'invalid reduction_override {reduction_override!r}')
        return reduction_override or self.reduction


@LOSSES.register_module()
class L1Loss(_BoxLoss):
    """L1 loss."""

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * l1_loss(pred, target, weight, reduction=self._reduction(reduction_override),
                                          avg_factor=avg_factor)


@LOSSES.register_module()
class SmoothL1Loss(_BoxLoss):
    """Smooth L1 (Huber) loss with transition point ``beta``."""

    def __init__(self, beta: float = 1.0, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        self.beta = beta

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        return self.loss_weight * smooth_l1_loss(pred, target, weight, beta=self.beta,
                                                 reduction=self._reduction(reduction_override),
                                                 avg_factor=avg_factor, **kwargs)


class _IoUBase(_BoxLoss):

    def _prepare_weight(self, pred, weight, reduction):
        if weight is not None and not torch.any(weight > 0) and reduction != 'none':
            if pred.dim() == weight.dim() + 1:
                weight = weight.unsqueeze(1)
            return None, (pred * weight).sum()
        if weight is not None and weight.dim() > 1:
            weight = weight.mean(-1)  # (n, 4) weights for the (n,) IoU losses
        return weight, None


@LOSSES.register_module()
class IoULoss(_IoUBase):
    """IoU loss (``mode``: 'log', 'linear' or 'square')."""

    def __init__(self, linear: bool = False, eps: float = 1e-6, reduction: str = 'mean',
                 loss_weight: float = 1.0, mode: str = 'log'):
        super().__init__(reduction, loss_weight)
        if mode not in ('linear', 'square', 'log'):
            raise ValueError(f'IoULoss.mode must be linear, square or log, got {mode!r}')
        self.mode = 'linear' if linear else mode
        self.eps = eps

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = self._reduction(reduction_override)
        weight, zero = self._prepare_weight(pred, weight, reduction)
        if zero is not None:
            return zero
        return self.loss_weight * iou_loss(pred, target, weight, mode=self.mode, eps=self.eps,
                                           reduction=reduction, avg_factor=avg_factor, **kwargs)


@LOSSES.register_module()
class GIoULoss(_IoUBase):
    """Generalised IoU loss."""

    def __init__(self, eps: float = 1e-6, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        self.eps = eps

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = self._reduction(reduction_override)
        weight, zero = self._prepare_weight(pred, weight, reduction)
        if zero is not None:
            return zero
        return self.loss_weight * giou_loss(pred, target, weight, eps=self.eps, reduction=reduction,
                                            avg_factor=avg_factor, **kwargs)
