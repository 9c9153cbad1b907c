"""``CrossEntropyLoss``: softmax, sigmoid (``use_sigmoid``) and per-class mask (``use_mask``)."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..builder import LOSSES
from .utils import weight_reduce_loss


def cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None, class_weight=None,
                  ignore_index=-100, avg_non_ignore=False):
    ignore_index = -100 if ignore_index is None else ignore_index
    loss = F.cross_entropy(pred, label, weight=class_weight, reduction='none', ignore_index=ignore_index)
    if avg_factor is None and avg_non_ignore and reduction == 'mean':
        avg_factor = label.numel() - (label == ignore_index).sum().item()
    return weight_reduce_loss(loss, weight.float() if weight is not None else None, reduction, avg_factor)


def _expand_onehot_labels(labels, label_weights, label_channels, ignore_index):
    bin_labels = labels.new_full((labels.size(0), label_channels), 0)
    valid_mask = (labels >= 0) & (labels != ignore_index)
    inds = torch.nonzero(valid_mask & (labels < label_channels), as_tuple=False)
    if inds.numel() > 0:
        bin_labels[inds, labels[inds]] = 1
    valid_mask = valid_mask.view(-1, 1).expand(labels.size(0), label_channels).float()
    if label_weights is None:
        return bin_labels, valid_mask, valid_mask
    return bin_labels, label_weights.view(-1, 1).repeat(1, label_channels) * valid_mask, valid_mask


def binary_cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None, class_weight=None,
                         ignore_index=-100, avg_non_ignore=False):
    """Sigmoid BCE; integer labels are expanded to one-hot (the background index gets all zeros)."""
    ignore_index = -100 if ignore_index is None else ignore_index
    if pred.dim() != label.dim():
        label, weight, valid_mask = _expand_onehot_labels(label, weight, pred.size(-1), ignore_index)
    else:
        valid_mask = ((label >= 0) & (label != ignore_index)).float()
        weight = weight * valid_mask if weight is not None else valid_mask
    if avg_factor is None and avg_non_ignore and reduction == 'mean':
        avg_factor = valid_mask.sum().item()
    loss = F.binary_cross_entropy_with_logits(pred, label.float(), pos_weight=class_weight, reduction='none')
    return weight_reduce_loss(loss, weight.float(), reduction, avg_factor)


def mask_cross_entropy(pred, target, label, reduction='mean', avg_factor=None, class_weight=None,
                       ignore_index=None, **kwargs):
    """BCE between each RoI's mask logits of its class and its target mask."""
    if ignore_index is not None:
        raise ValueError('BCE loss does not support ignore_index')
    if reduction != 'mean' or avg_factor is not None:
        raise ValueError('mask_cross_entropy supports reduction="mean" without avg_factor')
    inds = torch.arange(0, pred.size(0), dtype=torch.long, device=pred.device)
    pred_slice = pred[inds, label].squeeze(1)
    return F.binary_cross_entropy_with_logits(pred_slice, target, weight=class_weight, reduction='mean')[None]


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross entropy (softmax by default).

    Args:
        use_sigmoid: Per-class sigmoid BCE. Defaults to False.
        use_mask: Mask-head BCE on the target class's channel. Defaults to False.
        reduction: 'none', 'mean' or 'sum'. Defaults to 'mean'.
        class_weight: Per-class weights. Defaults to None.
        ignore_index: Label to ignore. Defaults to None.
        loss_weight: Multiplier. Defaults to 1.0.
        avg_non_ignore: Average over non-ignored elements only. Defaults to False.
    """

    def __init__(self, use_sigmoid: bool = False, use_mask: bool = False, reduction: str = 'mean',
                 class_weight=None, ignore_index=None, loss_weight: float = 1.0, avg_non_ignore: bool = False):
        super().__init__()
        if use_sigmoid and use_mask:
            raise ValueError('CrossEntropyLoss: use_sigmoid and use_mask cannot both be True')
        self.use_sigmoid, self.use_mask, self.reduction = use_sigmoid, use_mask, reduction
        self.loss_weight, self.class_weight = loss_weight, class_weight
        self.ignore_index, self.avg_non_ignore = ignore_index, avg_non_ignore
        if ignore_index is not None and not avg_non_ignore and reduction == 'mean':
            warnings.warn('Default ``avg_non_ignore`` is False, if you would like to ignore the certain '
                          'label and average loss over non-ignore labels, which is the same with PyTorch '
                          'official cross_entropy, set ``avg_non_ignore=True``.')
        self.cls_criterion = binary_cross_entropy if use_sigmoid else (
            mask_cross_entropy if use_mask else cross_entropy)

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None,
                ignore_index=None, **kwargs):
        if reduction_override not in (None, 'none', 'mean', 'sum'):
            raise ValueError(f'invalid reduction_override {reduction_override!r}')
        reduction = reduction_override or self.reduction
        ignore_index = self.ignore_index if ignore_index is None else ignore_index
        class_weight = cls_score.new_tensor(self.class_weight) if self.class_weight is not None else None
        return self.loss_weight * self.cls_criterion(cls_score, label, weight, class_weight=class_weight,
                                                     reduction=reduction, avg_factor=avg_factor,
                                                     ignore_index=ignore_index,
                                                     avg_non_ignore=self.avg_non_ignore, **kwargs)
