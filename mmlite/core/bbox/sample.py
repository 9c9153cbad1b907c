"""Samplers: which assigned candidates train a head (``RandomSampler``, ``PseudoSampler``)."""
from __future__ import annotations

import torch

from .assign import AssignResult
from .builder import BBOX_SAMPLERS


class SamplingResult:
    """Positive and negative candidates chosen from an assignment."""

    def __init__(self, pos_inds: torch.Tensor, neg_inds: torch.Tensor, bboxes: torch.Tensor,
                 gt_bboxes: torch.Tensor, assign_result: AssignResult, gt_flags: torch.Tensor):
        self.pos_inds, self.neg_inds = pos_inds, neg_inds
        self.pos_bboxes, self.neg_bboxes = bboxes[pos_inds], bboxes[neg_inds]
        self.pos_is_gt = gt_flags[pos_inds]
        self.num_gts = gt_bboxes.shape[0]
        self.pos_assigned_gt_inds = assign_result.gt_inds[pos_inds] - 1
        if gt_bboxes.numel() == 0:
            self.pos_gt_bboxes = torch.empty_like(gt_bboxes).view(-1, 4)
        else:
            self.pos_gt_bboxes = gt_bboxes.view(-1, 4)[self.pos_assigned_gt_inds.long(), :]
        self.pos_gt_labels = assign_result.labels[pos_inds] if assign_result.labels is not None else None

    @property
    def bboxes(self) -> torch.Tensor:
        """Positive then negative boxes."""
        return torch.cat([self.pos_bboxes, self.neg_bboxes])

    def __repr__(self) -> str:
        return f'<SamplingResult(pos={len(self.pos_inds)}, neg={len(self.neg_inds)})>'


class BaseSampler:
    """Sample ``num`` candidates with a ``pos_fraction`` of positives (optionally counting the gts)."""

    def __init__(self, num: int, pos_fraction: float, neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True, **kwargs):
        self.num, self.pos_fraction, self.neg_pos_ub = num, pos_fraction, neg_pos_ub
        self.add_gt_as_proposals = add_gt_as_proposals
        self.pos_sampler = self
        self.neg_sampler = self

    def _sample_pos(self, assign_result, num_expected, **kwargs):
        raise NotImplementedError

    def _sample_neg(self, assign_result, num_expected, **kwargs):
        raise NotImplementedError

    def sample(self, assign_result: AssignResult, bboxes: torch.Tensor, gt_bboxes: torch.Tensor,
               gt_labels: torch.Tensor | None = None, **kwargs) -> SamplingResult:
        if bboxes.dim() < 2:
            bboxes = bboxes[None, :]
        bboxes = bboxes[:, :4]
        gt_flags = bboxes.new_zeros((bboxes.shape[0], ), dtype=torch.uint8)
        if self.add_gt_as_proposals and len(gt_bboxes) > 0:
            if gt_labels is None:
                raise ValueError('gt_labels must be given when add_gt_as_proposals is True')
            bboxes = torch.cat([gt_bboxes, bboxes], dim=0)
            assign_result.add_gt_(gt_labels)
            gt_flags = torch.cat([bboxes.new_ones(gt_bboxes.shape[0], dtype=torch.uint8), gt_flags])
        pos_inds = self.pos_sampler._sample_pos(assign_result, int(self.num * self.pos_fraction),
                                                bboxes=bboxes, **kwargs).unique()
        num_expected_neg = self.num - pos_inds.numel()
        if self.neg_pos_ub >= 0:
            num_expected_neg = min(num_expected_neg, int(self.neg_pos_ub * max(1, pos_inds.numel())))
        neg_inds = self.neg_sampler._sample_neg(assign_result, num_expected_neg, bboxes=bboxes, **kwargs).unique()
        return SamplingResult(pos_inds, neg_inds, bboxes, gt_bboxes, assign_result, gt_flags)


@BBOX_SAMPLERS.register_module()
class RandomSampler(BaseSampler):
    """Sample positives and negatives uniformly at random (torch's global generator)."""

    def __init__(self, num: int, pos_fraction: float, neg_pos_ub: int = -1,
                 add_gt_as_proposals: bool = True, **kwargs):
        super().__init__(num, pos_fraction, neg_pos_ub, add_gt_as_proposals)

    def random_choice(self, gallery: torch.Tensor, num: int) -> torch.Tensor:
        if len(gallery) < num:
            raise ValueError(f'cannot choose {num} of {len(gallery)} items')
        if not isinstance(gallery, torch.Tensor):
            gallery = torch.tensor(gallery, dtype=torch.long)
        perm = torch.randperm(gallery.numel())[:num].to(device=gallery.device)
        return gallery[perm]

    def _sample(self, assign_result: AssignResult, num_expected: int, positive: bool) -> torch.Tensor:
        mask = assign_result.gt_inds > 0 if positive else assign_result.gt_inds == 0
        inds = torch.nonzero(mask, as_tuple=False).flatten()
        if inds.numel() <= num_expected:
            return inds
        return self.random_choice(inds, num_expected)

    def _sample_pos(self, assign_result, num_expected, **kwargs):
        return self._sample(assign_result, num_expected, True)

    def _sample_neg(self, assign_result, num_expected, **kwargs):
        return self._sample(assign_result, num_expected, False)


def assigned_indices(assign_result: AssignResult) -> tuple:
    """``(positive, negative)`` indices of an assignment: matched to a ground truth, and assigned background."""
    pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False).squeeze(-1).unique()
    neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).squeeze(-1).unique()
    return pos_inds, neg_inds


@BBOX_SAMPLERS.register_module()
class PseudoSampler(BaseSampler):
    """Take every positive and negative (for heads that weight all anchors, e.g. RetinaNet)."""

    def __init__(self, **kwargs):
        pass

    def sample(self, assign_result: AssignResult, bboxes: torch.Tensor, gt_bboxes: torch.Tensor,
               *args, **kwargs) -> SamplingResult:
        pos_inds, neg_inds = assigned_indices(assign_result)
        gt_flags = bboxes.new_zeros(bboxes.shape[0], dtype=torch.uint8)
        return SamplingResult(pos_inds, neg_inds, bboxes, gt_bboxes, assign_result, gt_flags)
