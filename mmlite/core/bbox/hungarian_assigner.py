"""``HungarianAssigner``: one-to-one matching of predictions to ground truths at minimum cost (DETR, Sparse
R-CNN)."""
from __future__ import annotations

from typing import Callable

import torch

from .assign import AssignResult, BaseAssigner
from .builder import BBOX_ASSIGNERS, build_match_cost
from .linear_assignment import linear_sum_assignment
from .transforms import bbox_cxcywh_to_xyxy


@BBOX_ASSIGNERS.register_module()
class HungarianAssigner(BaseAssigner):
    """Cost = class cost + L1 cost of normalised boxes + IoU cost of image-scale boxes; each ground truth gets
    the prediction of a minimum-cost matching, every other prediction is background (0).

    Args:
        cls_cost / reg_cost / iou_cost: Match-cost configs (``ClassificationCost``/``FocalLossCost``,
            ``BBoxL1Cost``, ``IoUCost``).
    """

    def __init__(self, cls_cost=dict(type='ClassificationCost', weight=1.0),  # noqa: B006
                 reg_cost=dict(type='BBoxL1Cost', weight=1.0),  # noqa: B006
                 iou_cost=dict(type='IoUCost', iou_mode='giou', weight=1.0)):  # noqa: B006
        self.cls_cost, self.reg_cost, self.iou_cost = (build_match_cost(cls_cost), build_match_cost(reg_cost),
                                                       build_match_cost(iou_cost))

    def assign(self, bbox_pred, cls_pred, gt_bboxes, gt_labels, img_meta, gt_bboxes_ignore=None,
               eps: float = 1e-7) -> AssignResult:
        """``bbox_pred``: normalised ``(cx, cy, w, h)`` predictions; ``gt_bboxes``: ``xyxy`` in pixels."""
        if gt_bboxes_ignore is not None:
            raise NotImplementedError('HungarianAssigner does not support gt_bboxes_ignore (as mmdet)')
        img_h, img_w = img_meta['img_shape'][:2]
        factor = gt_bboxes.new_tensor([img_w, img_h, img_w, img_h]).unsqueeze(0)

        def cost() -> torch.Tensor:
            return (self.cls_cost(cls_pred, gt_labels) + self.reg_cost(bbox_pred, gt_bboxes / factor)
                    + self.iou_cost(bbox_cxcywh_to_xyxy(bbox_pred) * factor, gt_bboxes))

        return assign_min_cost(bbox_pred.shape[0], gt_labels, cost, bbox_pred.device)


def assign_min_cost(num_preds: int, gt_labels: torch.Tensor, cost: Callable[[], torch.Tensor],
                    device) -> AssignResult:
    """Each ground truth gets the prediction of a minimum-cost one-to-one matching (``cost()``: the
    ``(num_preds, num_gts)`` matrix, computed only when neither side is empty); every other prediction is
    background (0). With no predictions the result is all -1 (nothing assigned)."""
    num_gts = gt_labels.shape[0]
    assigned_gt_inds = torch.full((num_preds, ), -1, dtype=torch.long, device=device)
    assigned_labels = torch.full((num_preds, ), -1, dtype=torch.long, device=device)
    if num_gts == 0 or num_preds == 0:
        if num_gts == 0:
            assigned_gt_inds[:] = 0
        return AssignResult(num_gts, assigned_gt_inds, None, labels=assigned_labels)
    rows, cols = linear_sum_assignment(cost().detach().cpu().numpy())
    rows, cols = torch.from_numpy(rows).to(device), torch.from_numpy(cols).to(device)
    assigned_gt_inds[:] = 0
    assigned_gt_inds[rows] = cols + 1
    assigned_labels[rows] = gt_labels[cols]
    return AssignResult(num_gts, assigned_gt_inds, None, labels=assigned_labels)
