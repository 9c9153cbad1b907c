"""Pairwise costs of predictions against ground truths for bipartite matching (mmdet.core names)."""
from __future__ import annotations

import torch

from .builder import MATCH_COST
from .iou import bbox_overlaps
from .transforms import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh


@MATCH_COST.register_module()
class BBoxL1Cost:
    """L1 distance of normalised boxes: predictions ``(cx, cy, w, h)`` against ``xyxy`` ground truths, compared
    as ``xyxy`` (``box_format='xyxy'``) or as ``(cx, cy, w, h)`` (``'xywh'``); times ``weight``."""

    def __init__(self, weight: float = 1.0, box_format: str = 'xyxy'):
        if box_format not in ('xyxy', 'xywh'):
            raise ValueError(f"BBoxL1Cost.box_format must be 'xyxy' or 'xywh', got {box_format!r}")
        self.weight, self.box_format = weight, box_format

    def __call__(self, bbox_pred: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        if self.box_format == 'xywh':
            gt_bboxes = bbox_xyxy_to_cxcywh(gt_bboxes)
        else:
            bbox_pred = bbox_cxcywh_to_xyxy(bbox_pred)
        return torch.cdist(bbox_pred, gt_bboxes, p=1) * self.weight


@MATCH_COST.register_module()
class FocalLossCost:
    """The focal loss of labelling each prediction with each ground truth's class, minus that of not doing so
    (sigmoid logits); times ``weight``."""

    def __init__(self, weight: float = 1.0, alpha: float = 0.25, gamma: float = 2, eps: float = 1e-12,
                 binary_input: bool = False):
        if binary_input:
            raise NotImplementedError('FocalLossCost(binary_input=True) (mask costs of Mask2Former) is not supported')
        self.weight, self.alpha, self.gamma, self.eps, self.binary_input = weight, alpha, gamma, eps, binary_input

    def __call__(self, cls_pred: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
        prob = cls_pred.sigmoid()
        neg_cost = -(1 - prob + self.eps).log() * (1 - self.alpha) * prob.pow(self.gamma)
        pos_cost = -(prob + self.eps).log() * self.alpha * (1 - prob).pow(self.gamma)
        return (pos_cost[:, gt_labels] - neg_cost[:, gt_labels]) * self.weight


@MATCH_COST.register_module()
class ClassificationCost:
    """Minus the softmax probability of each ground truth's class; times ``weight``."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def __call__(self, cls_pred: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
        return -cls_pred.softmax(-1)[:, gt_labels] * self.weight


@MATCH_COST.register_module()
class IoUCost:
    """Minus the IoU (``iou_mode`` 'iou', 'iof' or 'giou') of ``xyxy`` boxes; times ``weight``."""

    def __init__(self, iou_mode: str = 'giou', weight: float = 1.0):
        self.weight, self.iou_mode = weight, iou_mode

    def __call__(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor) -> torch.Tensor:
        return -bbox_overlaps(bboxes, gt_bboxes, mode=self.iou_mode, is_aligned=False) * self.weight
