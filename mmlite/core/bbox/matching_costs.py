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
    (sigmoid logits); times ``weight``. With ``binary_input`` the inputs are ``(num_query, *)`` mask logits and
    ``(num_gt, *)`` binary masks, and the cost is the pixel-averaged focal loss of each pair."""

    def __init__(self, weight: float = 1.0, alpha: float = 0.25, gamma: float = 2, eps: float = 1e-12,
                 binary_input: bool = False):
        self.weight, self.alpha, self.gamma, self.eps, self.binary_input = weight, alpha, gamma, eps, binary_input

    def _pos_neg_costs(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prob = logits.sigmoid()
        neg_cost = -(1 - prob + self.eps).log() * (1 - self.alpha) * prob.pow(self.gamma)
        pos_cost = -(prob + self.eps).log() * self.alpha * (1 - prob).pow(self.gamma)
        return pos_cost, neg_cost

    def __call__(self, cls_pred: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
        if self.binary_input:
            pos_cost, neg_cost = self._pos_neg_costs(cls_pred.flatten(1))
            gt_masks = gt_labels.flatten(1).float()
            cost = pos_cost @ gt_masks.T + neg_cost @ (1 - gt_masks).T
            return cost / pos_cost.shape[1] * self.weight
        pos_cost, neg_cost = self._pos_neg_costs(cls_pred)
        return (pos_cost[:, gt_labels] - neg_cost[:, gt_labels]) * self.weight


@MATCH_COST.register_module()
class DiceCost:
    """``1 - dice`` of each ``(num_query, *)`` mask prediction (probabilities, or logits with ``pred_act``)
    against each ``(num_gt, *)`` binary mask: ``(2 |P T| + eps) / (|P| + |T| + eps)``, or with squared sums in
    the denominator when ``naive_dice`` is False; times ``weight``."""

    def __init__(self, weight: float = 1.0, pred_act: bool = False, eps: float = 1e-3, naive_dice: bool = True):
        self.weight, self.pred_act, self.eps, self.naive_dice = weight, pred_act, eps, naive_dice

    def binary_mask_dice_loss(self, mask_preds: torch.Tensor, gt_masks: torch.Tensor) -> torch.Tensor:
        mask_preds, gt_masks = mask_preds.flatten(1), gt_masks.flatten(1).float()
        numerator = 2 * mask_preds @ gt_masks.T
        power = 1 if self.naive_dice else 2
        denominator = mask_preds.pow(power).sum(1)[:, None] + gt_masks.pow(power).sum(1)[None, :]
        return 1 - (numerator + self.eps) / (denominator + self.eps)

    def __call__(self, mask_preds: torch.Tensor, gt_masks: torch.Tensor) -> torch.Tensor:
        if self.pred_act:
            mask_preds = mask_preds.sigmoid()
        return self.binary_mask_dice_loss(mask_preds, gt_masks) * self.weight


@MATCH_COST.register_module()
class CrossEntropyLossCost:
    """Pixel-averaged binary cross-entropy of each ``(num_query, *)`` mask logit map against each
    ``(num_gt, *)`` binary mask; times ``weight`` (only ``use_sigmoid=True``, as in mmdet)."""

    def __init__(self, weight: float = 1.0, use_sigmoid: bool = True):
        if not use_sigmoid:
            raise NotImplementedError('CrossEntropyLossCost supports use_sigmoid=True only (as mmdet 2.x)')
        self.weight, self.use_sigmoid = weight, use_sigmoid

    def __call__(self, cls_pred: torch.Tensor, gt_labels: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F
        logits, gt_masks = cls_pred.flatten(1).float(), gt_labels.flatten(1).float()
        pos = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction='none')
        neg = F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits), reduction='none')
        return (pos @ gt_masks.T + neg @ (1 - gt_masks).T) / logits.shape[1] * self.weight


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
