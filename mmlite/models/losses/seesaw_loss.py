"""``SeesawLoss`` (Wang et al., 2021): long-tail classification with an objectness branch, mmdet's layout."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..builder import LOSSES
from .accuracy import accuracy
from .cross_entropy_loss import cross_entropy
from .utils import weight_reduce_loss


def seesaw_ce_loss(cls_score: torch.Tensor, labels: torch.Tensor, label_weights: torch.Tensor | None,
                   cum_samples: torch.Tensor, num_classes: int, p: float, q: float, eps: float,
                   reduction: str = 'mean', avg_factor=None) -> torch.Tensor:
    """Cross entropy whose negative logits are shifted by ``log`` of the seesaw weights: mitigation
    ``(N_j / N_i)^p`` where class ``j`` has seen fewer samples than the label ``i``, times compensation
    ``(s_j / s_i)^q`` where the model scores ``j`` above ``i`` (``s``: softmax, ``s_i`` clamped to ``eps``)."""
    if cls_score.shape[-1] != num_classes or len(cum_samples) != num_classes:
        raise ValueError(f'seesaw_ce_loss: {cls_score.shape[-1]} scores and {len(cum_samples)} sample counts for '
                         f'{num_classes} classes')
    onehot = F.one_hot(labels, num_classes)
    weights = cls_score.new_ones(onehot.shape)
    if p > 0:
        ratio = cum_samples[None, :].clamp(min=1) / cum_samples[:, None].clamp(min=1)
        weights = weights * torch.where(ratio < 1.0, ratio.pow(p), torch.ones_like(ratio))[labels.long()]
    if q > 0:
        scores = F.softmax(cls_score.detach(), dim=1)
        relative = scores / scores[torch.arange(len(scores), device=scores.device), labels.long()][:, None].clamp(
            min=eps)
        weights = weights * torch.where(relative > 1.0, relative.pow(q), torch.ones_like(relative))
    loss = F.cross_entropy(cls_score + weights.log() * (1 - onehot), labels, reduction='none')
    weight = label_weights.float() if label_weights is not None else None
    return weight_reduce_loss(loss, weight=weight, reduction=reduction, avg_factor=avg_factor)


@LOSSES.register_module()
class SeesawLoss(nn.Module):
    """Seesaw loss over ``num_classes + 2`` logits: the classes (seesaw cross entropy on positives) and an
    objectness pair (cross entropy: foreground, background). ``cum_samples`` (a buffer, saved in checkpoints)
    counts the labels seen. Scores are ``softmax(classes) * p(foreground)`` plus ``p(background)``.

    Args:
        use_sigmoid: Must be False. p / q: Mitigation / compensation exponents (0.8 / 2.0).
        num_classes: Foreground classes (1203: LVIS v1). eps: Floor of the label's score (1e-2).
        return_dict: ``loss_cls_objectness`` and ``loss_cls_classes`` apart (else their sum).
    """

    def __init__(self, use_sigmoid: bool = False, p: float = 0.8, q: float = 2.0, num_classes: int = 1203,
                 eps: float = 1e-2, reduction: str = 'mean', loss_weight: float = 1.0, return_dict: bool = True):
        super().__init__()
        if use_sigmoid:
            raise ValueError('SeesawLoss is a softmax loss: use_sigmoid must be False')
        self.use_sigmoid, self.p, self.q, self.num_classes, self.eps = False, p, q, num_classes, eps
        self.reduction, self.loss_weight, self.return_dict = reduction, loss_weight, return_dict
        self.cls_criterion = seesaw_ce_loss
        self.register_buffer('cum_samples', torch.zeros(num_classes + 1, dtype=torch.float))
        self.custom_cls_channels = self.custom_activation = self.custom_accuracy = True

    def _split_cls_score(self, cls_score: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if cls_score.shape[-1] != self.num_classes + 2:
            raise ValueError(f'SeesawLoss expects {self.num_classes} + 2 logits, got {cls_score.shape[-1]}')
        return cls_score[..., :-2], cls_score[..., -2:]

    def get_cls_channels(self, num_classes: int) -> int:
        if num_classes != self.num_classes:
            raise ValueError(f'SeesawLoss.num_classes={self.num_classes} but the head has {num_classes} classes; '
                             'set loss_cls.num_classes to the head\'s')
        return num_classes + 2

    def get_activation(self, cls_score: torch.Tensor) -> torch.Tensor:
        classes, objectness = self._split_cls_score(cls_score)
        objectness = F.softmax(objectness, dim=-1)
        return torch.cat([F.softmax(classes, dim=-1) * objectness[..., [0]], objectness[..., [1]]], dim=-1)

    def get_accuracy(self, cls_score: torch.Tensor, labels: torch.Tensor) -> dict:
        pos = labels < self.num_classes
        classes, objectness = self._split_cls_score(cls_score)
        return dict(acc_objectness=accuracy(objectness, (labels == self.num_classes).long()),
                    acc_classes=accuracy(classes[pos], labels[pos]))

    def forward(self, cls_score, labels, label_weights=None, avg_factor=None, reduction_override=None):
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError(f'reduction_override must be None, none, mean or sum, got {reduction_override!r}')
        reduction = reduction_override or self.reduction
        classes, objectness = self._split_cls_score(cls_score)
        self.cum_samples += torch.bincount(labels, minlength=self.num_classes + 1).to(self.cum_samples)
        label_weights = (label_weights.float() if label_weights is not None
                         else labels.new_ones(labels.shape, dtype=torch.float))
        pos = labels < self.num_classes
        loss_classes = self.loss_weight * self.cls_criterion(
            classes[pos], labels[pos], label_weights[pos], self.cum_samples[:self.num_classes], self.num_classes,
            self.p, self.q, self.eps, reduction, avg_factor) if pos.any() else classes[pos].sum()
        loss_objectness = self.loss_weight * cross_entropy(objectness, (labels == self.num_classes).long(),
                                                           label_weights, reduction, avg_factor)
        if self.return_dict:
            return dict(loss_cls_objectness=loss_objectness, loss_cls_classes=loss_classes)
        return loss_classes + loss_objectness
