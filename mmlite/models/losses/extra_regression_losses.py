"""More box regression losses with mmdet names: ``DIoULoss``, ``CIoULoss``, ``BoundedIoULoss``,
``BalancedL1Loss`` (Libra R-CNN) and ``MSELoss``."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..builder import LOSSES
from .regression_losses import _BoxLoss, _IoUBase
from .utils import weighted_loss


def _iou_and_centre_distance(pred, target, eps):
    """Aligned IoU, squared centre distance and squared enclosing-box diagonal of ``(n, 4)`` boxes."""
    lt, rb = torch.max(pred[:, :2], target[:, :2]), torch.min(pred[:, 2:], target[:, 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[:, 0] * wh[:, 1]
    area_pred = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    area_target = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    ious = overlap / (area_pred + area_target - overlap + eps)
    enclose = (torch.max(pred[:, 2:], target[:, 2:]) - torch.min(pred[:, :2], target[:, :2])).clamp(min=0)
    diagonal2 = enclose[:, 0]**2 + enclose[:, 1]**2 + eps
    centre2 = (((target[:, 0] + target[:, 2]) - (pred[:, 0] + pred[:, 2]))**2
               + ((target[:, 1] + target[:, 3]) - (pred[:, 1] + pred[:, 3]))**2) / 4
    return ious, centre2, diagonal2


@weighted_loss
def diou_loss(pred, target, eps=1e-7):
    ious, centre2, diagonal2 = _iou_and_centre_distance(pred, target, eps)
    return 1 - (ious - centre2 / diagonal2)


@weighted_loss
def ciou_loss(pred, target, eps=1e-7):
    ious, centre2, diagonal2 = _iou_and_centre_distance(pred, target, eps)
    w1, h1 = pred[:, 2] - pred[:, 0], pred[:, 3] - pred[:, 1] + eps
    w2, h2 = target[:, 2] - target[:, 0], target[:, 3] - target[:, 1] + eps
    aspect = 4 / math.pi**2 * (torch.atan(w2 / h2) - torch.atan(w1 / h1))**2
    with torch.no_grad():
        alpha = (ious > 0.5).float() * aspect / (1 - ious + aspect)
    return 1 - (ious - (centre2 / diagonal2 + alpha * aspect)).clamp(min=-1.0, max=1.0)


@weighted_loss
def bounded_iou_loss(pred, target, beta=0.2, eps=1e-3):
    """Per-coordinate bounded IoU terms (centre x/y, width, height), smoothed as Smooth L1 with ``beta``."""
    pred_c, pred_wh = (pred[:, :2] + pred[:, 2:]) * 0.5, pred[:, 2:] - pred[:, :2]
    with torch.no_grad():
        target_c, target_wh = (target[:, :2] + target[:, 2:]) * 0.5, target[:, 2:] - target[:, :2]
    shift = (target_c - pred_c).abs()
    loss_xy = 1 - torch.clamp((target_wh - 2 * shift) / (target_wh + 2 * shift + eps), min=0)
    loss_wh = 1 - torch.min(target_wh / (pred_wh + eps), pred_wh / (target_wh + eps))
    terms = torch.stack([loss_xy[:, 0], loss_xy[:, 1], loss_wh[:, 0], loss_wh[:, 1]], dim=-1)
    return torch.where(terms < beta, 0.5 * terms * terms / beta, terms - 0.5 * beta)


@weighted_loss
def balanced_l1_loss(pred, target, beta=1.0, alpha=0.5, gamma=1.5):
    if beta <= 0:
        raise ValueError(f'beta must be positive, got {beta}')
    if target.numel() == 0:
        return pred.sum() * 0
    diff = torch.abs(pred - target)
    b = np.e**(gamma / alpha) - 1
    return torch.where(diff < beta, alpha / b * (b * diff + 1) * torch.log(b * diff / beta + 1) - alpha * diff,
                       gamma * diff + gamma / b - alpha * beta)


@weighted_loss
def mse_loss(pred, target):
    return F.mse_loss(pred, target, reduction='none')


class _IoUVariant(_IoUBase):
    """Shared forward of the IoU-style losses (mmdet's weight conventions)."""

    loss_fn = None

    def __init__(self, eps: float = 1e-6, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        self.eps = eps

    def _extra(self) -> dict:
        return dict(eps=self.eps)

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = self._reduction(reduction_override)
        weight, zero = self._prepare_weight(pred, weight, reduction)
        if zero is not None:
            return zero
        return self.loss_weight * type(self).loss_fn(pred, target, weight, reduction=reduction, avg_factor=avg_factor,
                                                     **self._extra(), **kwargs)


@LOSSES.register_module()
class DIoULoss(_IoUVariant):
    """Distance-IoU loss: ``1 - IoU + centre distance² / enclosing diagonal²``."""

    loss_fn = diou_loss


@LOSSES.register_module()
class CIoULoss(_IoUVariant):
    """Complete-IoU loss: DIoU plus an aspect-ratio term (weighted only where IoU > 0.5, as mmdet 2.x)."""

    loss_fn = ciou_loss


@LOSSES.register_module()
class BoundedIoULoss(_IoUVariant):
    """Bounded IoU loss over centre offsets and size ratios (``beta`` smoothing)."""

    loss_fn = bounded_iou_loss

    def __init__(self, beta: float = 0.2, eps: float = 1e-3, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(eps, reduction, loss_weight)
        self.beta = beta

    def _extra(self) -> dict:
        return dict(beta=self.beta, eps=self.eps)

    def _prepare_weight(self, pred, weight, reduction):
        # per-coordinate losses: (n, 4) weights apply as they are
        if weight is not None and not torch.any(weight > 0):
            return None, (pred * (weight.unsqueeze(1) if pred.dim() == weight.dim() + 1 else weight)).sum()
        return weight, None


@LOSSES.register_module()
class BalancedL1Loss(_BoxLoss):
    """Balanced L1 loss (Libra R-CNN): promotes the gradients of well-regressed (inlier) boxes."""

    def __init__(self, alpha: float = 0.5, gamma: float = 1.5, beta: float = 1.0, reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        self.alpha, self.gamma, self.beta = alpha, gamma, beta

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        return self.loss_weight * balanced_l1_loss(pred, target, weight, alpha=self.alpha, gamma=self.gamma,
                                                   beta=self.beta, reduction=self._reduction(reduction_override),
                                                   avg_factor=avg_factor, **kwargs)


@LOSSES.register_module()
class MSELoss(_BoxLoss):
    """Mean squared error."""

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * mse_loss(pred, target, weight, reduction=self._reduction(reduction_override),
                                           avg_factor=avg_factor)
