"""``TaskAlignedAssigner``: TOOD's assignment by a score-and-IoU alignment metric."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner, assigned_labels
from .builder import BBOX_ASSIGNERS, build_iou_calculator

_NONE = -100000000.  # "not a candidate" in the IoU table (mmdet's -INF)


@BBOX_ASSIGNERS.register_module()
class TaskAlignedAssigner(BaseAssigner):
    """Each gt's ``topk`` predictions by ``score ** alpha * IoU ** beta`` (score of the gt's class, IoU of the
    predicted box; both detached) are its candidates; candidates with a positive metric whose anchor centre lies
    inside the gt (by more than 0.01) are positives; a prediction claimed by several gts goes to the one its
    box overlaps most. The result also carries ``assign_metrics`` (each positive's metric, else 0); its
    ``max_overlaps`` are the winning IoUs (``-1e8`` where unassigned, as mmdet).

    Args:
        topk: Candidates per gt.
        iou_calculator: IoU calculator config.
    """

    def __init__(self, topk: int, iou_calculator=dict(type='BboxOverlaps2D')):  # noqa: B006
        if topk < 1:
            raise ValueError(f'TaskAlignedAssigner: topk must be >= 1, got {topk}')
        self.topk = topk
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, pred_scores: torch.Tensor, decode_bboxes: torch.Tensor, anchors: torch.Tensor,
               gt_bboxes: torch.Tensor, gt_bboxes_ignore=None, gt_labels=None, alpha: float = 1,
               beta: float = 6) -> AssignResult:
        """Assign predictions (``pred_scores`` ``(n, num_classes)`` probabilities, ``decode_bboxes`` ``(n, 4)``,
        ``anchors`` ``(n, 4+)``) to ``gt_bboxes``; ``gt_bboxes_ignore`` is unused, as in mmdet."""
        anchors = anchors[:, :4]
        num_gts, num_bboxes = gt_bboxes.size(0), anchors.size(0)
        gt_inds = anchors.new_zeros((num_bboxes, ), dtype=torch.long)
        metrics = anchors.new_zeros((num_bboxes, ))
        if num_gts == 0 or num_bboxes == 0:
            labels = None if gt_labels is None else gt_inds.new_full((num_bboxes, ), -1)
            result = AssignResult(num_gts, gt_inds, anchors.new_zeros((num_bboxes, )), labels=labels)
            result.assign_metrics = metrics
            return result
        overlaps = self.iou_calculator(decode_bboxes, gt_bboxes).detach()
        alignment = pred_scores[:, gt_labels].detach() ** alpha * overlaps ** beta
        candidates = alignment.topk(min(self.topk, num_bboxes), dim=0)[1]  # (topk, num_gts)
        centres = (anchors[:, :2] + anchors[:, 2:]) / 2
        gt_cols = torch.arange(num_gts, device=anchors.device)
        cand_centres = centres[candidates]  # (topk, num_gts, 2)
        margins = torch.cat([cand_centres - gt_bboxes[:, :2], gt_bboxes[:, 2:] - cand_centres], dim=-1)
        positive = (alignment[candidates, gt_cols] > 0) & (margins.min(dim=-1)[0] > 0.01)
        table = torch.full_like(overlaps, _NONE)
        rows, cols = candidates[positive], gt_cols.expand_as(candidates)[positive]
        table[rows, cols] = overlaps[rows, cols]
        max_overlaps, argmax = table.max(dim=1)
        assigned = max_overlaps != _NONE
        gt_inds[assigned] = argmax[assigned] + 1
        metrics[assigned] = alignment[assigned, argmax[assigned]]
        result = AssignResult(num_gts, gt_inds, max_overlaps, labels=assigned_labels(gt_inds, gt_labels))
        result.assign_metrics = metrics
        return result
