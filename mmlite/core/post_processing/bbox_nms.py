"""``multiclass_nms`` (per-class NMS of R-CNN outputs) and ``fast_nms`` (YOLACT's), mmdet.core.post_processing names."""
from __future__ import annotations

import torch

from ...ops import batched_nms
from ..bbox.iou import bbox_overlaps


def multiclass_nms(multi_bboxes: torch.Tensor, multi_scores: torch.Tensor, score_thr: float, nms_cfg: dict,
                   max_num: int = -1, score_factors=None, return_inds: bool = False):
    """Per-class NMS of R-CNN outputs (``multi_scores`` includes a last background column).

    Returns:
        ``(dets (k, 5), labels (k,))`` (and the kept flat indices with ``return_inds``).
    """
    num_classes = multi_scores.size(1) - 1
    if multi_bboxes.shape[1] > 4:
        bboxes = multi_bboxes.view(multi_scores.size(0), -1, 4)
    else:
        bboxes = multi_bboxes[:, None].expand(multi_scores.size(0), num_classes, 4)
    scores = multi_scores[:, :-1]
    labels = torch.arange(num_classes, dtype=torch.long, device=scores.device).view(1, -1).expand_as(scores)
    bboxes, scores, labels = bboxes.reshape(-1, 4), scores.reshape(-1), labels.reshape(-1)
    valid_mask = scores > score_thr
    if score_factors is not None:
        scores = scores * score_factors.view(-1, 1).expand(multi_scores.size(0), num_classes).reshape(-1)
    inds = valid_mask.nonzero(as_tuple=False).squeeze(1)
    bboxes, scores, labels = bboxes[inds], scores[inds], labels[inds]
    if bboxes.numel() == 0:
        dets = torch.cat([bboxes, scores[:, None]], -1)
        return (dets, labels, inds) if return_inds else (dets, labels)
    dets, keep = batched_nms(bboxes, scores, labels, nms_cfg)
    if max_num > 0:
        dets, keep = dets[:max_num], keep[:max_num]
    return (dets, labels[keep], inds[keep]) if return_inds else (dets, labels[keep])


def fast_nms(multi_bboxes: torch.Tensor, multi_scores: torch.Tensor, multi_coeffs: torch.Tensor, score_thr: float,
             iou_thr: float, top_k: int, max_num: int = -1) -> tuple:
    """YOLACT's Fast NMS: per class its ``top_k`` best boxes; a box is dropped when any better box of its class
    overlaps it above ``iou_thr`` (dropped boxes still suppress, unlike greedy NMS), or its score is at most
    ``score_thr``; the best ``max_num`` survivors over all classes.

    Args:
        multi_bboxes: ``(n, 4)``. multi_scores: ``(n, num_classes + 1)``, background last.
        multi_coeffs: ``(n, d)`` mask coefficients carried along.

    Returns:
        ``(dets (k, 5), labels (k,), coeffs (k, d))``.
    """
    scores, idx = multi_scores[:, :-1].t().sort(1, descending=True)
    idx, scores = idx[:, :top_k].contiguous(), scores[:, :top_k]
    num_classes, num_dets = idx.size()
    boxes = multi_bboxes[idx.view(-1), :].view(num_classes, num_dets, 4)
    coeffs = multi_coeffs[idx.view(-1), :].view(num_classes, num_dets, -1)
    iou = bbox_overlaps(boxes, boxes).triu_(diagonal=1)
    keep = (iou.max(dim=1)[0] <= iou_thr) & (scores > score_thr)
    classes = torch.arange(num_classes, device=boxes.device)[:, None].expand_as(keep)[keep]
    boxes, coeffs, scores = boxes[keep], coeffs[keep], scores[keep]
    scores, idx = scores.sort(0, descending=True)
    if max_num > 0:
        idx, scores = idx[:max_num], scores[:max_num]
    return torch.cat([boxes[idx], scores[:, None]], dim=1), classes[idx], coeffs[idx]
