"""Libra R-CNN's samplers: ``CombinedSampler``, ``InstanceBalancedPosSampler`` and ``IoUBalancedNegSampler``.

Same sampling rules as mmdet 2.x, written on tensors: mmdet's versions crash on NumPy >= 1.24
(``np.int``) and compared 0-d tensors in Python sets (so "the rest" included what was already taken).
"""
from __future__ import annotations

import torch

from .builder import BBOX_SAMPLERS, build_sampler
from .sample import BaseSampler, RandomSampler


@BBOX_SAMPLERS.register_module()
class CombinedSampler(BaseSampler):
    """Positives from ``pos_sampler``, negatives from ``neg_sampler`` (both built with this sampler's
    ``num``, ``pos_fraction``... and ``context``)."""

    def __init__(self, pos_sampler: dict, neg_sampler: dict, **kwargs):
        super().__init__(**kwargs)
        self.pos_sampler = build_sampler(pos_sampler, **kwargs)
        self.neg_sampler = build_sampler(neg_sampler, **kwargs)


def _without(pool: torch.Tensor, taken: torch.Tensor) -> torch.Tensor:
    """The entries of ``pool`` not in ``taken`` (order kept)."""
    return pool[~torch.isin(pool, taken)]


class _TopUp(RandomSampler):

    def _top_up(self, sampled: torch.Tensor, pool: torch.Tensor, num_expected: int) -> torch.Tensor:
        """``sampled`` plus random others of ``pool`` until ``num_expected``."""
        missing = num_expected - sampled.numel()
        if missing <= 0:
            return sampled
        rest = _without(pool, sampled)
        if rest.numel() > missing:
            rest = self.random_choice(rest, missing)
        return torch.cat([sampled, rest])


@BBOX_SAMPLERS.register_module()
class InstanceBalancedPosSampler(_TopUp):
    """Positives spread over the ground-truth boxes: about ``num_expected / num_gts + 1`` per box, topped up
    (or cut down) at random to ``num_expected``."""

    def _sample_pos(self, assign_result, num_expected, **kwargs):
        pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).flatten()
        if pos_inds.numel() <= num_expected:
            return pos_inds
        gt_ids = assign_result.gt_inds[pos_inds].unique()
        per_gt = int(round(num_expected / float(len(gt_ids))) + 1)
        sampled = []
        for gt_id in gt_ids:
            inds = pos_inds[assign_result.gt_inds[pos_inds] == gt_id]
            sampled.append(self.random_choice(inds, per_gt) if inds.numel() > per_gt else inds)
        sampled = torch.cat(sampled)
        if sampled.numel() > num_expected:
            return self.random_choice(sampled, num_expected)
        return self._top_up(sampled, pos_inds, num_expected)


@BBOX_SAMPLERS.register_module()
class IoUBalancedNegSampler(_TopUp):
    """Negatives spread over IoU: ``floor_fraction`` of them from below ``floor_thr`` at random, the rest
    evenly from ``num_bins`` IoU intervals above it (``floor_thr=-1``: no floor set, bins from IoU 0)."""

    def __init__(self, num: int, pos_fraction: float, floor_thr: float = -1, floor_fraction: float = 0,
                 num_bins: int = 3, **kwargs):
        super().__init__(num, pos_fraction, **kwargs)
        if not (floor_thr >= 0 or floor_thr == -1):
            raise ValueError(f'IoUBalancedNegSampler.floor_thr must be >= 0 or -1, got {floor_thr}')
        if not 0 <= floor_fraction <= 1:
            raise ValueError(f'IoUBalancedNegSampler.floor_fraction must be in [0, 1], got {floor_fraction}')
        if num_bins < 1:
            raise ValueError(f'IoUBalancedNegSampler.num_bins must be >= 1, got {num_bins}')
        self.floor_thr, self.floor_fraction, self.num_bins = floor_thr, floor_fraction, num_bins

    def sample_via_interval(self, max_overlaps: torch.Tensor, candidates: torch.Tensor,
                            num_expected: int) -> torch.Tensor:
        """``num_expected / num_bins`` candidates from each IoU interval between the floor and the highest
        IoU, topped up at random from the other candidates."""
        floor = max(self.floor_thr, 0)
        step = (max_overlaps.max() - floor) / self.num_bins
        per_bin = int(num_expected / self.num_bins)
        sampled = []
        for i in range(self.num_bins):
            ious = max_overlaps[candidates]
            in_bin = candidates[(ious >= floor + i * step) & (ious < floor + (i + 1) * step)]
            sampled.append(self.random_choice(in_bin, per_bin) if in_bin.numel() > per_bin else in_bin)
        return self._top_up(torch.cat(sampled), candidates, num_expected)

    def _split(self, neg_inds: torch.Tensor, max_overlaps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(floor, iou_sampling)`` negatives."""
        ious = max_overlaps[neg_inds]
        if self.floor_thr > 0:
            return neg_inds[(ious >= 0) & (ious < self.floor_thr)], neg_inds[ious >= self.floor_thr]
        if self.floor_thr == 0:
            return neg_inds[ious == 0], neg_inds[ious > 0]
        return neg_inds[:0], neg_inds[ious > -1]

    def _sample_neg(self, assign_result, num_expected, **kwargs):
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).flatten()
        if neg_inds.numel() <= num_expected:
            return neg_inds
        max_overlaps = assign_result.max_overlaps
        floor_inds, iou_inds = self._split(neg_inds, max_overlaps)
        num_iou = int(num_expected * (1 - self.floor_fraction))
        if iou_inds.numel() > num_iou:
            if self.num_bins >= 2:
                iou_inds = self.sample_via_interval(max_overlaps, iou_inds, num_iou)
            else:
                iou_inds = self.random_choice(iou_inds, num_iou)
        num_floor = num_expected - iou_inds.numel()
        if floor_inds.numel() > num_floor:
            floor_inds = self.random_choice(floor_inds, num_floor)
        return self._top_up(torch.cat([floor_inds, iou_inds]), neg_inds, num_expected)
