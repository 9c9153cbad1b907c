"""Gaussian focal loss (CornerNet / CenterNet): focal loss against a Gaussian-smoothed keypoint heatmap."""
from __future__ import annotations

import torch

from ..builder import LOSSES
from .regression_losses import _BoxLoss
from .utils import weighted_loss


@weighted_loss
def gaussian_focal_loss(pred: torch.Tensor, gaussian_target: torch.Tensor, alpha: float = 2.0,
                        gamma: float = 4.0) -> torch.Tensor:
    """Element-wise loss of probabilities ``pred``: ``-log(p) (1-p)^alpha`` where the target is 1 (the peaks),
    ``-log(1-p) p^alpha (1-target)^gamma`` elsewhere (penalties fade near the peaks)."""
    eps = 1e-12
    pos_weights = gaussian_target.eq(1)
    neg_weights = (1 - gaussian_target).pow(gamma)
    pos_loss = -(pred + eps).log() * (1 - pred).pow(alpha) * pos_weights
    neg_loss = -(1 - pred + eps).log() * pred.pow(alpha) * neg_weights
    return pos_loss + neg_loss


@LOSSES.register_module()
class GaussianFocalLoss(_BoxLoss):
    """Gaussian focal loss (:func:`gaussian_focal_loss`); ``pred`` are probabilities (after sigmoid).

    Args:
        alpha / gamma: Focusing exponent and the negatives' distance exponent. Defaults 2.0 / 4.0.
        reduction / loss_weight: As the other losses.
    """

    def __init__(self, alpha: float = 2.0, gamma: float = 4.0, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__(reduction, loss_weight)
        self.alpha, self.gamma = alpha, gamma

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * gaussian_focal_loss(pred, target, weight, alpha=self.alpha, gamma=self.gamma,
                                                      reduction=self._reduction(reduction_override),
                                                      avg_factor=avg_factor)
