"""Varifocal Loss (Zhang et al., 2021): VFNet's IoU-aware classification loss."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..builder import LOSSES
from .regression_losses import _BoxLoss
from .utils import weight_reduce_loss


def varifocal_loss(pred: torch.Tensor, target: torch.Tensor, weight=None, alpha: float = 0.75, gamma: float = 2.0,
                   iou_weighted: bool = True, reduction: str = 'mean', avg_factor=None) -> torch.Tensor:
    """Sigmoid BCE of logits ``pred`` against soft targets ``target`` (same shape; the IoU for a positive's
    class, 0 elsewhere): positives weighted by their target (``iou_weighted``) or 1, negatives down-weighted
    by ``alpha * |sigmoid(pred) - target| ** gamma``."""
    if pred.shape != target.shape:
        raise ValueError(f'varifocal_loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape')
    target = target.type_as(pred)
    positive = target > 0
    negative_weight = alpha * (pred.sigmoid() - target).abs().pow(gamma)
    focal_weight = torch.where(positive, target if iou_weighted else torch.ones_like(target), negative_weight)
    loss = F.binary_cross_entropy_with_logits(pred, target, reduction='none') * focal_weight
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@LOSSES.register_module()
class VarifocalLoss(_BoxLoss):
    """Varifocal Loss.

    Args:
        use_sigmoid: Must be True (the only form mmdet provides).
        alpha: Weight of the negatives' focal term. Defaults to 0.75.
        gamma: Focusing exponent. Defaults to 2.0.
        iou_weighted: Weight positives by their IoU target. Defaults to True.
        reduction / loss_weight: As the other losses.
    """

    def __init__(self, use_sigmoid: bool = True, alpha: float = 0.75, gamma: float = 2.0, iou_weighted: bool = True,
                 reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        if use_sigmoid is not True:
            raise NotImplementedError('VarifocalLoss supports use_sigmoid=True only (as mmdet 2.x)')
        if alpha < 0:
            raise ValueError(f'VarifocalLoss: alpha must be >= 0, got {alpha}')
        self.use_sigmoid, self.alpha, self.gamma, self.iou_weighted = use_sigmoid, alpha, gamma, iou_weighted

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * varifocal_loss(pred, target, weight, alpha=self.alpha, gamma=self.gamma,
                                                 iou_weighted=self.iou_weighted,
                                                 reduction=self._reduction(reduction_override),
                                                 avg_factor=avg_factor)
