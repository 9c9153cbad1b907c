"""Query-to-mask matching of MaskFormer-style heads: ``MaskHungarianAssigner`` and ``MaskPseudoSampler``."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner
from .builder import BBOX_ASSIGNERS, BBOX_SAMPLERS, build_match_cost
from .hungarian_assigner import assign_min_cost
from .sample import BaseSampler, assigned_indices


@BBOX_ASSIGNERS.register_module()
class MaskHungarianAssigner(BaseAssigner):
    """Each ground-truth mask gets the query of a minimum-cost one-to-one matching (class cost + mask cost +
    dice cost); every other query is background (0).

    Args:
        cls_cost / mask_cost / dice_cost: Match-cost configs (a cost with weight 0 is skipped).
    """

    def __init__(self, cls_cost=dict(type='ClassificationCost', weight=1.0),  # noqa: B006
                 mask_cost=dict(type='FocalLossCost', weight=1.0, binary_input=True),  # noqa: B006
                 dice_cost=dict(type='DiceCost', weight=1.0)):  # noqa: B006
        self.cls_cost, self.mask_cost, self.dice_cost = (build_match_cost(cls_cost), build_match_cost(mask_cost),
                                                         build_match_cost(dice_cost))

    def assign(self, cls_pred, mask_pred, gt_labels, gt_mask, img_meta, gt_bboxes_ignore=None,
               eps: float = 1e-7) -> AssignResult:
        """``cls_pred``: ``(num_query, C + 1)`` logits; ``mask_pred``: ``(num_query, H, W)`` logits; ``gt_mask``:
        ``(num_gt, H, W)`` binary masks at the same size."""
        if gt_bboxes_ignore is not None:
            raise NotImplementedError('MaskHungarianAssigner does not support gt_bboxes_ignore (as mmdet)')

        def cost() -> torch.Tensor:
            total = 0
            if self.cls_cost.weight != 0 and cls_pred is not None:
                total = total + self.cls_cost(cls_pred, gt_labels)
            if self.mask_cost.weight != 0:
                total = total + self.mask_cost(mask_pred, gt_mask)
            if self.dice_cost.weight != 0:
                total = total + self.dice_cost(mask_pred, gt_mask)
            return total

        return assign_min_cost(mask_pred.shape[0], gt_labels, cost, mask_pred.device)


class MaskSamplingResult:
    """Positive and negative queries of one image with their masks and matched ground truths."""

    def __init__(self, pos_inds: torch.Tensor, neg_inds: torch.Tensor, masks: torch.Tensor, gt_masks: torch.Tensor,
                 assign_result: AssignResult, gt_flags: torch.Tensor):
        self.pos_inds, self.neg_inds = pos_inds, neg_inds
        self.pos_masks, self.neg_masks = masks[pos_inds], masks[neg_inds]
        self.pos_is_gt = gt_flags[pos_inds]
        self.num_gts = gt_masks.shape[0]
        self.pos_assigned_gt_inds = assign_result.gt_inds[pos_inds] - 1
        self.pos_gt_masks = (torch.empty_like(gt_masks) if gt_masks.numel() == 0
                             else gt_masks[self.pos_assigned_gt_inds])
        self.pos_gt_labels = None if assign_result.labels is None else assign_result.labels[pos_inds]

    @property
    def masks(self) -> torch.Tensor:
        return torch.cat([self.pos_masks, self.neg_masks])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_gts={self.num_gts}, pos_inds={self.pos_inds.tolist()}, '
                f'num_neg={len(self.neg_inds)})')


@BBOX_SAMPLERS.register_module()
class MaskPseudoSampler(BaseSampler):
    """Every matched query is positive, every other one negative (no sampling)."""

    def __init__(self, **kwargs):
        pass

    def sample(self, assign_result: AssignResult, masks: torch.Tensor, gt_masks: torch.Tensor,
               **kwargs) -> MaskSamplingResult:
        pos_inds, neg_inds = assigned_indices(assign_result)
        gt_flags = masks.new_zeros(masks.shape[0], dtype=torch.uint8)
        return MaskSamplingResult(pos_inds, neg_inds, masks, gt_masks, assign_result, gt_flags)
