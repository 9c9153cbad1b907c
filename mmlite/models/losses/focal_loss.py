"""``FocalLoss`` (sigmoid) and mmdet's focal-loss functions, on torchvision's ``sigmoid_focal_loss`` and
mmlite.ops' label-target version."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss as tv_sigmoid_focal_loss

from ...ops.focal_loss import sigmoid_focal_loss as label_sigmoid_focal_loss
from ..builder import LOSSES
from .utils import weight_reduce_loss


def _weighted(loss, weight, reduction, avg_factor):
    """mmdet's focal-loss weighting: ``weight`` per sample (``(n,)``) or per element, then reduced."""
    if weight is not None and weight.shape != loss.shape:
        weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight.view(loss.size(0), -1)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def py_sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss of logits ``(n, C)`` against one-hot targets ``(n, C)``."""
    loss = tv_sigmoid_focal_loss(pred, target.type_as(pred), alpha=alpha, gamma=gamma, reduction='none')
    return _weighted(loss, weight, reduction, avg_factor)


def py_focal_loss_with_prob(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss of probabilities ``(n, C)`` against class indices ``(n,)`` (``C`` is background)."""
    num_classes = pred.size(1)
    return _focal_loss_of_prob(pred, F.one_hot(target, num_classes=num_classes + 1)[:, :num_classes], weight, gamma,
                               alpha, reduction, avg_factor)


def _focal_loss_of_prob(pred, target, weight, gamma, alpha, reduction, avg_factor):
    target = target.type_as(pred)
    pt = (1 - pred) * target + pred * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * pt.pow(gamma)
    loss = F.binary_cross_entropy(pred, target, reduction='none') * focal_weight
    return _weighted(loss, weight, reduction, avg_factor)


def sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss of logits ``(n, C)`` against class indices ``(n,)`` (``C`` is background), as mmdet's
    wrapper of the mmcv op; one-hot ``(n, C)`` targets are accepted too."""
    if target.dim() != 1:
        return py_sigmoid_focal_loss(pred, target, weight, gamma, alpha, reduction, avg_factor)
    loss = label_sigmoid_focal_loss(pred.contiguous(), target.contiguous(), gamma, alpha, None, 'none')
    return _weighted(loss, weight, reduction, avg_factor)


@LOSSES.register_module()
class FocalLoss(nn.Module):
    """Sigmoid focal loss (RetinaNet). Labels equal to ``num_classes`` are background.

    Args:
        use_sigmoid: Must be True (softmax focal loss is not supported, as in mmdet).
        gamma / alpha: Focal parameters. Defaults to 2.0 / 0.25.
        reduction / loss_weight: As usual.
        activated: ``pred`` are probabilities instead of logits. Defaults to False.
    """

    def __init__(self, use_sigmoid: bool = True, gamma: float = 2.0, alpha: float = 0.25,
                 reduction: str = 'mean', loss_weight: float = 1.0, activated: bool = False):
        super().__init__()
        if not use_sigmoid:
            raise NotImplementedError('Only sigmoid focal loss supported now.')
        self.use_sigmoid, self.gamma, self.alpha = use_sigmoid, gamma, alpha
        self.reduction, self.loss_weight, self.activated = reduction, loss_weight, activated

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = reduction_override or self.reduction
        if target.dim() == 1:  # class indices, background == num_classes
            target = F.one_hot(target, num_classes=pred.size(1) + 1)[:, :pred.size(1)]
        loss_fn = _focal_loss_of_prob if self.activated else py_sigmoid_focal_loss
        return self.loss_weight * loss_fn(pred, target, weight, self.gamma, self.alpha, reduction, avg_factor)
