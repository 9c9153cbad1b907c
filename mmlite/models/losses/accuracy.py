"""Classification accuracy (``accuracy``, ``Accuracy``) logged as ``acc`` by R-CNN heads."""
from __future__ import annotations

import torch
import torch.nn as nn

from ..builder import LOSSES


def accuracy(pred: torch.Tensor, target: torch.Tensor, topk=1, thresh=None):
    """Top-k accuracy in percent (a tensor, no host sync)."""
    single = isinstance(topk, int)
    topk = (topk, ) if single else topk
    if pred.size(0) == 0:
        accu = [pred.new_tensor(0.) for _ in topk]
        return accu[0] if single else accu
    maxk = max(topk)
    pred_value, pred_label = pred.topk(maxk, dim=1)
    pred_label = pred_label.t()
    correct = pred_label.eq(target.view(1, -1).expand_as(pred_label))
    if thresh is not None:
        correct = correct & (pred_value > thresh).t()
    res = [correct[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / pred.size(0)) for k in topk]
    return res[0] if single else res


@LOSSES.register_module()
class Accuracy(nn.Module):

    def __init__(self, topk=(1, ), thresh=None):
        super().__init__()
        self.topk, self.thresh = topk, thresh

    def forward(self, pred, target):
        return accuracy(pred, target, self.topk, self.thresh)
