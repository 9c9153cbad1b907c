"""Uncertainty-driven point selection of PointRend (mmdet.models.utils names)."""
from __future__ import annotations

import torch

from ...ops import point_sample


def get_uncertainty(mask_pred: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``-|logit|`` of each RoI's class (or its single class-agnostic channel): highest where least certain;
    ``(n, c, ...)`` logits give ``(n, 1, ...)``."""
    if mask_pred.shape[1] == 1:
        logits = mask_pred.clone()
    else:
        logits = mask_pred[torch.arange(mask_pred.shape[0], device=mask_pred.device), labels].unsqueeze(1)
    return -torch.abs(logits)


def get_uncertain_point_coords_with_randomness(mask_pred: torch.Tensor, labels: torch.Tensor, num_points: int,
                                               oversample_ratio: float, importance_sample_ratio: float) -> torch.Tensor:
    """PointRend's training points, ``(n, num_points, 2)`` in ``[0, 1]`` RoI coordinates: of
    ``num_points * oversample_ratio`` uniform random points, the ``importance_sample_ratio`` share that are most
    uncertain (judged on the logits sampled at the points), then uniform random points for the rest."""
    if oversample_ratio < 1 or not 0 <= importance_sample_ratio <= 1:
        raise ValueError(f'oversample_ratio must be >= 1 and importance_sample_ratio in [0, 1], got '
                         f'{oversample_ratio} and {importance_sample_ratio}')
    num_rois = mask_pred.shape[0]
    num_sampled = int(num_points * oversample_ratio)
    candidates = torch.rand(num_rois, num_sampled, 2, device=mask_pred.device)
    uncertainties = get_uncertainty(point_sample(mask_pred, candidates), labels)
    num_uncertain = int(importance_sample_ratio * num_points)
    idx = torch.topk(uncertainties[:, 0, :], k=num_uncertain, dim=1)[1]
    points = torch.gather(candidates, 1, idx.unsqueeze(2).expand(-1, -1, 2))
    if num_points > num_uncertain:
        points = torch.cat((points, torch.rand(num_rois, num_points - num_uncertain, 2, device=mask_pred.device)),
                           dim=1)
    return points
