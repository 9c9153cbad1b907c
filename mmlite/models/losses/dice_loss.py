"""Dice loss (V-Net / SOLO): one minus the Dice coefficient of each predicted mask with its target."""
from __future__ import annotations

import torch

from ..builder import LOSSES
from .regression_losses import _BoxLoss
from .utils import weight_reduce_loss


def dice_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None, eps: float = 1e-3,
              reduction: str = 'mean', naive_dice: bool = False, avg_factor=None) -> torch.Tensor:
    """Per-mask ``1 - dice`` of ``pred`` (probabilities, ``(n, *)``) against binary ``target``, reduced.

    The default coefficient is V-Net's ``2 sum(p t) / (sum(p^2) + eps + sum(t^2) + eps)``; ``naive_dice`` uses
    ``(2 sum(p t) + eps) / (sum(p) + sum(t) + eps)``. ``weight`` holds one weight per mask."""
    pred = pred.flatten(1)
    target = target.flatten(1).to(pred.dtype)
    overlap = (pred * target).sum(1)
    if naive_dice:
        coefficient = (2 * overlap + eps) / (pred.sum(1) + target.sum(1) + eps)
    else:
        coefficient = 2 * overlap / ((pred * pred).sum(1) + eps + (target * target).sum(1) + eps)
    loss = 1 - coefficient
    if weight is not None and (weight.ndim != loss.ndim or len(weight) != len(loss)):
        raise ValueError(f'dice_loss weight must hold one value per mask: shape ({len(loss)},), '
                         f'got {tuple(weight.shape)}')
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@LOSSES.register_module()
class DiceLoss(_BoxLoss):
    """Dice loss of mask logits (``activate=True``: a sigmoid is applied first) or probabilities.

    Args:
        use_sigmoid: Activate with a sigmoid (the only activation; False with ``activate`` is an error).
        activate: Whether ``pred`` still needs the activation. Default True.
        reduction / loss_weight: As the other losses.
        naive_dice: Use the plain ``2|A∩B| / (|A| + |B|)`` form. Default False (V-Net's squared form).
        eps: Smoothing term. Default 1e-3.
    """

    def __init__(self, use_sigmoid: bool = True, activate: bool = True, reduction: str = 'mean',
                 naive_dice: bool = False, loss_weight: float = 1.0, eps: float = 1e-3):
        super().__init__(reduction, loss_weight)
        if activate and not use_sigmoid:
            raise NotImplementedError('DiceLoss activates with a sigmoid only: set use_sigmoid=True, or '
                                      'activate=False to pass probabilities')
        self.use_sigmoid, self.activate, self.naive_dice, self.eps = use_sigmoid, activate, naive_dice, eps

    def forward(self, pred, target, weight=None, reduction_override=None, avg_factor=None):
        if self.activate:
            pred = pred.sigmoid()
        return self.loss_weight * dice_loss(pred, target, weight, eps=self.eps,
                                            reduction=self._reduction(reduction_override),
                                            naive_dice=self.naive_dice, avg_factor=avg_factor)
