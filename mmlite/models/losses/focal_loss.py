"""``FocalLoss`` (sigmoid) on torchvision's ``sigmoid_focal_loss``."""
from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss as tv_sigmoid_focal_loss

from ..builder import LOSSES
from .utils import weight_reduce_loss


def sigmoid_focal_loss(pred, target, weight=None, gamma=2.0, alpha=0.25, reduction='mean', avg_factor=None):
    """Focal loss of logits ``(n, C)`` against one-hot targets ``(n, C)``; ``weight`` per sample or
    per element."""
    loss = tv_sigmoid_focal_loss(pred, target.type_as(pred), alpha=alpha, gamma=gamma, reduction='none')
    if weight is not None and weight.shape != loss.shape:
        weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight.view(loss.size(0), -1)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


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
        if self.activated:
            pt = (1 - pred) * target + pred * (1 - target)
            focal_weight = (self.alpha * target + (1 - self.alpha) * (1 - target)) * pt.pow(self.gamma)
            loss = F.binary_cross_entropy(pred, target.type_as(pred), reduction='none') * focal_weight
            if weight is not None and weight.shape != loss.shape:
                weight = weight.view(-1, 1)
            return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
        return self.loss_weight * sigmoid_focal_loss(pred, target, weight, self.gamma, self.alpha,
                                                     reduction, avg_factor)
