"""``GridAssigner``: YOLO's assignment, where only the anchors of the grid cell holding a gt's centre may
be positive for it."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner, assigned_labels
from .builder import BBOX_ASSIGNERS, build_iou_calculator


@BBOX_ASSIGNERS.register_module()
class GridAssigner(BaseAssigner):
    """Negatives by IoU over all anchors; positives among the responsible anchors (``box_responsible_flags``)
    whose IoU with a gt exceeds ``pos_iou_thr``; then each gt also takes its best responsible anchor(s).

    Args:
        pos_iou_thr: IoU above which a responsible anchor is positive.
        neg_iou_thr: IoU at or below which an anchor is negative; or ``(low, high]``.
        min_pos_iou: A gt claims its best anchor only above this IoU.
        gt_max_assign_all: A gt claims all its equally best responsible anchors (else the first one).
        iou_calculator: IoU calculator config.
    """

    def __init__(self, pos_iou_thr: float, neg_iou_thr, min_pos_iou: float = .0, gt_max_assign_all: bool = True,
                 iou_calculator=dict(type='BboxOverlaps2D')):  # noqa: B006
        self.pos_iou_thr, self.neg_iou_thr, self.min_pos_iou = pos_iou_thr, neg_iou_thr, min_pos_iou
        self.gt_max_assign_all = gt_max_assign_all
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, bboxes: torch.Tensor, box_responsible_flags: torch.Tensor, gt_bboxes: torch.Tensor,
               gt_labels=None) -> AssignResult:
        """Assign anchors ``bboxes`` to ``gt_bboxes``; ``box_responsible_flags`` marks the anchors of the cells
        that hold a gt centre."""
        num_gts, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        overlaps = self.iou_calculator(gt_bboxes, bboxes)
        assigned = overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
        if num_gts == 0 or num_bboxes == 0:
            if num_gts == 0:
                assigned[:] = 0
            labels = None if gt_labels is None else overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gts, assigned, overlaps.new_zeros((num_bboxes, )), labels=labels)
        max_overlaps = overlaps.max(dim=0)[0]
        if isinstance(self.neg_iou_thr, (tuple, list)):
            low, high = self.neg_iou_thr
            assigned[(max_overlaps > low) & (max_overlaps <= high)] = 0
        else:
            assigned[(max_overlaps >= 0) & (max_overlaps <= self.neg_iou_thr)] = 0
        responsible = box_responsible_flags.bool()
        overlaps[:, ~responsible] = -1.
        max_overlaps, argmax_overlaps = overlaps.max(dim=0)
        gt_max_overlaps, gt_argmax_overlaps = overlaps.max(dim=1)
        pos = (max_overlaps > self.pos_iou_thr) & responsible
        assigned[pos] = argmax_overlaps[pos] + 1
        self._assign_best_anchors(assigned, overlaps, responsible, gt_max_overlaps, gt_argmax_overlaps)
        return AssignResult(num_gts, assigned, max_overlaps, labels=assigned_labels(assigned, gt_labels))

    def _assign_best_anchors(self, assigned, overlaps, responsible, gt_max_overlaps, gt_argmax_overlaps) -> None:
        """Each gt above ``min_pos_iou`` takes its best responsible anchor(s); a later gt wins a shared one."""
        gt_ids = torch.arange(1, overlaps.size(0) + 1, device=overlaps.device)
        eligible = gt_max_overlaps > self.min_pos_iou
        if self.gt_max_assign_all:
            claims = (overlaps == gt_max_overlaps[:, None]) & responsible[None, :] & eligible[:, None]
            winner = (claims.long() * gt_ids[:, None]).max(dim=0)[0]
        else:
            eligible = eligible & responsible[gt_argmax_overlaps]
            winner = torch.zeros_like(assigned).scatter_reduce(0, gt_argmax_overlaps[eligible],
                                                               gt_ids[eligible], reduce='amax')
        assigned[winner > 0] = winner[winner > 0]
