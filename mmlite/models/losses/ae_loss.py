"""``AssociativeEmbeddingLoss``: CornerNet's grouping loss on the corner embeddings."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..builder import LOSSES


def ae_loss_per_image(tl_preds: torch.Tensor, br_preds: torch.Tensor, match: list) -> tuple:
    """``(pull, push)`` of one image: pull each object's two corner embeddings to their mean (squared distance,
    averaged over objects); push the means of different objects at least 1 apart (hinge, averaged over the
    ordered pairs). ``match`` lists ``[[tl_y, tl_x], [br_y, br_x]]`` per object; each embedding channel counts
    as one more object, as in mmdet."""
    if len(match) == 0:
        zero = tl_preds.sum() * 0.0
        return zero, zero
    tl_ys, tl_xs = zip(*[m[0] for m in match])
    br_ys, br_xs = zip(*[m[1] for m in match])
    # one entry per object and embedding channel (object-major), as mmdet
    tl = tl_preds[:, list(tl_ys), list(tl_xs)].t().reshape(-1, 1)
    br = br_preds[:, list(br_ys), list(br_xs)].t().reshape(-1, 1)
    mean = (tl + br) / 2.0
    num = len(tl)
    pull = ((tl - mean).pow(2) + (br - mean).pow(2)).sum() / num
    if num == 1:
        return pull, tl_preds.sum() * 0.0
    gaps = (mean[:, None, :] - mean[None, :, :]).sum(-1).abs()
    off_diagonal = 1 - torch.eye(num, dtype=mean.dtype, device=mean.device)
    push = F.relu(off_diagonal * (1 - gaps)).sum() / (num * (num - 1))
    return pull, push


@LOSSES.register_module()
class AssociativeEmbeddingLoss(nn.Module):
    """Sum over the images of ``pull_weight * pull`` and ``push_weight * push`` (:func:`ae_loss_per_image`)."""

    def __init__(self, pull_weight: float = 0.25, push_weight: float = 0.25):
        super().__init__()
        self.pull_weight, self.push_weight = pull_weight, push_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor, match: list) -> tuple:
        pull_all, push_all = 0.0, 0.0
        for i in range(pred.shape[0]):
            pull, push = ae_loss_per_image(pred[i], target[i], match[i])
            pull_all += self.pull_weight * pull
            push_all += self.push_weight * push
        return pull_all, push_all
