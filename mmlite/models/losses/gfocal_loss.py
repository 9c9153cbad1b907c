"""Generalized Focal Loss (Li et al., 2020): ``QualityFocalLoss`` and ``DistributionFocalLoss``."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..builder import LOSSES
from .regression_losses import _BoxLoss
from .utils import weighted_loss


def _quality_focal(pred: torch.Tensor, target: tuple, beta: float, probs: torch.Tensor, bce) -> torch.Tensor:
    """Per sample QFL summed over classes: every class is pushed towards 0 except each positive's own class,
    pushed towards its quality ``score``; each term scaled by ``|target - prob| ** beta``."""
    label, score = target
    loss = bce(pred, torch.zeros_like(pred), reduction='none') * probs.pow(beta)
    pos = ((label >= 0) & (label < pred.size(1))).nonzero().squeeze(1)
    pos_label = label[pos].long()
    scale = score[pos] - probs[pos, pos_label]
    loss[pos, pos_label] = bce(pred[pos, pos_label], score[pos], reduction='none') * scale.abs().pow(beta)
    return loss.sum(dim=1)


@weighted_loss
def quality_focal_loss(pred: torch.Tensor, target: tuple, beta: float = 2.0) -> torch.Tensor:
    """QFL on logits ``pred`` (``(n, num_classes)``); ``target`` is ``(labels, quality scores)``."""
    return _quality_focal(pred, target, beta, pred.sigmoid(), F.binary_cross_entropy_with_logits)


@weighted_loss
def quality_focal_loss_with_prob(pred: torch.Tensor, target: tuple, beta: float = 2.0) -> torch.Tensor:
    """QFL on probabilities ``pred`` (already activated)."""
    return _quality_focal(pred, target, beta, pred, F.binary_cross_entropy)


@weighted_loss
def distribution_focal_loss(pred: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """DFL: cross entropy of the distribution ``pred`` (``(n, reg_max + 1)`` logits) with the two bins around
    each continuous ``label``, weighted by the label's distance to the other bin."""
    left = label.long()
    right = left + 1
    return (F.cross_entropy(pred, left, reduction='none') * (right.float() - label) +
            F.cross_entropy(pred, right, reduction='none') * (label - left.float()))


@LOSSES.register_module()
class QualityFocalLoss(_BoxLoss):
    """Quality Focal Loss: a sigmoid classification loss whose positive target is the box's IoU.

    Args:
        use_sigmoid: Must be True (the only form mmdet provides).
        beta: Modulating exponent. Defaults to 2.0.
        reduction / loss_weight: As the other losses.
        activated: ``pred`` is already a probability. Defaults to False.
    """

    def __init__(self, use_sigmoid: bool = True, beta: float = 2.0, reduction: str = 'mean',
                 loss_weight: float = 1.0, activated: bool = False):
        super().__init__(reduction, loss_weight)
        if use_sigmoid is not True:
            raise NotImplementedError('QualityFocalLoss supports use_sigmoid=True only (as mmdet 2.x)')
        self.use_sigmoid, self.beta, self.activated = use_sigmoid, beta, activated

    def forward(self, pred, target: tuple, weight=None, avg_factor=None, reduction_override=None):
        loss = quality_focal_loss_with_prob if self.activated else quality_focal_loss
        return self.loss_weight * loss(pred, target, weight, beta=self.beta,
                                       reduction=self._reduction(reduction_override), avg_factor=avg_factor)


@LOSSES.register_module()
class DistributionFocalLoss(_BoxLoss):
    """Distribution Focal Loss of a discretised side distance (GFL's box branch)."""

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * distribution_focal_loss(pred, target, weight,
                                                          reduction=self._reduction(reduction_override),
                                                          avg_factor=avg_factor)
