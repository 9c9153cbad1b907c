"""``UniformAssigner``: YOLOF's balanced matching (each gt takes its k nearest predictions and anchors)."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner, assigned_labels
from .builder import BBOX_ASSIGNERS, build_iou_calculator
from .transforms import bbox_xyxy_to_cxcywh


@BBOX_ASSIGNERS.register_module()
class UniformAssigner(BaseAssigner):
    """Every gt is matched to its ``match_times`` nearest predicted boxes and ``match_times`` nearest anchors (L1
    distance of centre and size), so large and small objects get as many positives. A match whose anchor
    overlaps the gt less than ``pos_ignore_thr`` is ignored; unmatched predictions overlapping a gt more than
    ``neg_ignore_thr`` are ignored. The result carries the matched ``pos_predicted_boxes``, their
    ``target_boxes`` and the kept-match mask ``pos_idx`` (extra properties, as mmdet).

    Args:
        pos_ignore_thr / neg_ignore_thr: The two IoU thresholds. match_times: Matches per gt and kind.
        iou_calculator: IoU calculator config.
    """

    def __init__(self, pos_ignore_thr: float, neg_ignore_thr: float, match_times: int = 4,
                 iou_calculator=dict(type='BboxOverlaps2D')):  # noqa: B006
        self.match_times, self.pos_ignore_thr, self.neg_ignore_thr = match_times, pos_ignore_thr, neg_ignore_thr
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, bbox_pred: torch.Tensor, anchor: torch.Tensor, gt_bboxes: torch.Tensor, gt_bboxes_ignore=None,
               gt_labels=None) -> AssignResult:
        num_gts, num_bboxes = gt_bboxes.size(0), bbox_pred.size(0)
        gt_inds = bbox_pred.new_zeros((num_bboxes, ), dtype=torch.long)
        if num_gts == 0 or num_bboxes == 0:
            result = AssignResult(num_gts, gt_inds, None, labels=gt_inds.new_full((num_bboxes, ), -1))
            result.set_extra_property('pos_idx', bbox_pred.new_empty(0, dtype=torch.bool))
            result.set_extra_property('pos_predicted_boxes', bbox_pred.new_empty((0, 4)))
            result.set_extra_property('target_boxes', bbox_pred.new_empty((0, 4)))
            return result
        gt_cxcywh = bbox_xyxy_to_cxcywh(gt_bboxes)
        nearest = [torch.cdist(bbox_xyxy_to_cxcywh(boxes), gt_cxcywh, p=1).topk(self.match_times, dim=0,
                                                                                largest=False)[1]
                   for boxes in (bbox_pred, anchor)]
        indexes = torch.cat(nearest, dim=1).reshape(-1)  # per rank: the gts' predictions, then their anchors
        anchor_overlaps = self.iou_calculator(anchor, gt_bboxes)
        gt_inds[self.iou_calculator(bbox_pred, gt_bboxes).max(dim=1)[0] > self.neg_ignore_thr] = -1
        pos_gt_index = torch.arange(num_gts, device=bbox_pred.device).repeat(self.match_times * 2)
        pos_ignore = anchor_overlaps[indexes, pos_gt_index] < self.pos_ignore_thr
        gt_inds[indexes] = torch.where(pos_ignore, torch.full_like(pos_gt_index, -1), pos_gt_index + 1)
        labels = assigned_labels(gt_inds, gt_labels)
        result = AssignResult(num_gts, gt_inds, anchor_overlaps.max(dim=0)[0], labels=labels)
        result.set_extra_property('pos_idx', ~pos_ignore)
        result.set_extra_property('pos_predicted_boxes', bbox_pred[indexes])
        result.set_extra_property('target_boxes', gt_bboxes[pos_gt_index])
        return result
