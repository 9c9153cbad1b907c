"""Knowledge-distillation KL loss (localization distillation's ``loss_ld``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..builder import LOSSES
from .regression_losses import _BoxLoss
from .utils import weighted_loss


@weighted_loss
def knowledge_distillation_kl_div_loss(pred: torch.Tensor, soft_label: torch.Tensor, T: float,
                                       detach_target: bool = True) -> torch.Tensor:
    """Per row: ``T^2`` times the mean over classes of ``KL(softmax(soft_label / T) || softmax(pred / T))``."""
    if pred.size() != soft_label.size():
        raise ValueError(f'knowledge distillation: pred {tuple(pred.size())} and soft labels '
                         f'{tuple(soft_label.size())} differ in shape')
    target = F.softmax(soft_label / T, dim=1)
    if detach_target:
        target = target.detach()
    return F.kl_div(F.log_softmax(pred / T, dim=1), target, reduction='none').mean(1) * (T * T)


@LOSSES.register_module()
class KnowledgeDistillationKLDivLoss(_BoxLoss):
    """:func:`knowledge_distillation_kl_div_loss` with temperature ``T`` (>= 1, default 10)."""

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0, T: float = 10):
        if T < 1:
            raise ValueError(f'KnowledgeDistillationKLDivLoss.T must be at least 1, got {T}')
        super().__init__(reduction, loss_weight)
        self.T = T

    def forward(self, pred, soft_label, weight=None, avg_factor=None, reduction_override=None):
        return self.loss_weight * knowledge_distillation_kl_div_loss(
            pred, soft_label, weight, reduction=self._reduction(reduction_override), avg_factor=avg_factor, T=self.T)
