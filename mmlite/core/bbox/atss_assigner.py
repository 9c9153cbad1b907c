"""``ATSSAssigner``: adaptive training sample selection (Zhang et al., 2020)."""
from __future__ import annotations

import warnings

import torch

from .assign import AssignResult, BaseAssigner, assigned_labels
from .builder import BBOX_ASSIGNERS, build_iou_calculator

INF = 100000000


def _centers(boxes: torch.Tensor) -> torch.Tensor:
    return torch.stack(((boxes[:, 0] + boxes[:, 2]) / 2.0, (boxes[:, 1] + boxes[:, 3]) / 2.0), dim=1)


@BBOX_ASSIGNERS.register_module()
class ATSSAssigner(BaseAssigner):
    """Per gt, the ``topk`` anchors of each level closest to its centre are candidates; those whose IoU is at
    least the candidates' mean + std and whose centre lies inside the gt are positives (an anchor positive for
    several gts takes the one of highest IoU). Everything else is negative.

    Args:
        topk: Candidates per level and gt.
        alpha: With ``cls_scores`` and ``bbox_preds`` given to :meth:`assign`, rank by
            ``sigmoid(score) ** (1 - alpha) * IoU(prediction, gt) ** alpha`` instead of the anchors' IoU.
        iou_calculator: IoU calculator config.
        ignore_iof_thr: Anchors covered by an ignored box beyond this IoF are ignored (-1 disables).
    """

    def __init__(self, topk: int, alpha: float | None = None,
                 iou_calculator=dict(type='BboxOverlaps2D'),  # noqa: B006
                 ignore_iof_thr: float = -1):
        self.topk, self.alpha, self.ignore_iof_thr = topk, alpha, ignore_iof_thr
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def _overlaps(self, bboxes, gt_bboxes, gt_labels, cls_scores, bbox_preds) -> torch.Tensor:
        if self.alpha is None:
            if cls_scores is not None or bbox_preds is not None:
                warnings.warn('ATSSAssigner got cls_scores/bbox_preds but alpha is None: they are ignored; set '
                              'alpha for the cost-based assignment')
            return self.iou_calculator(bboxes, gt_bboxes)
        if cls_scores is None or bbox_preds is None:
            raise ValueError(f'ATSSAssigner(alpha={self.alpha}) ranks by predictions: assign() needs cls_scores '
                             'and bbox_preds')
        cls_cost = torch.sigmoid(cls_scores[:, gt_labels])
        return cls_cost ** (1 - self.alpha) * self.iou_calculator(bbox_preds, gt_bboxes) ** self.alpha

    def assign(self, bboxes: torch.Tensor, num_level_bboxes: list, gt_bboxes: torch.Tensor, gt_bboxes_ignore=None,
               gt_labels=None, cls_scores=None, bbox_preds=None) -> AssignResult:
        """Assign ``bboxes`` (all levels concatenated, ``num_level_bboxes`` per level) to ``gt_bboxes``."""
        bboxes = bboxes[:, :4]
        num_gt, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        overlaps = self._overlaps(bboxes, gt_bboxes, gt_labels, cls_scores, bbox_preds)
        assigned = overlaps.new_zeros((num_bboxes, ), dtype=torch.long)
        if num_gt == 0 or num_bboxes == 0:
            labels = None if gt_labels is None else overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gt, assigned, overlaps.new_zeros((num_bboxes, )), labels=labels)
        centers = _centers(bboxes)
        distances = (centers[:, None, :] - _centers(gt_bboxes)[None, :, :]).pow(2).sum(-1).sqrt()
        if (self.ignore_iof_thr > 0 and gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0):
            ignored = self.iou_calculator(bboxes, gt_bboxes_ignore, mode='iof').max(dim=1)[0] > self.ignore_iof_thr
            distances[ignored, :] = INF
            assigned[ignored] = -1
        candidates = self._closest_per_level(distances, num_level_bboxes)
        gt_index = torch.arange(num_gt, device=overlaps.device).expand_as(candidates)
        candidate_overlaps = overlaps[candidates, gt_index]
        threshold = candidate_overlaps.mean(0) + candidate_overlaps.std(0)
        cx, cy = centers[candidates, 0], centers[candidates, 1]
        inside = torch.stack([cx - gt_bboxes[:, 0], cy - gt_bboxes[:, 1], gt_bboxes[:, 2] - cx,
                              gt_bboxes[:, 3] - cy], dim=1).min(dim=1)[0] > 0.01
        is_pos = (candidate_overlaps >= threshold[None, :]) & inside
        masked = torch.full_like(overlaps, -INF).t().contiguous()  # (num_gt, num_bboxes)
        masked[gt_index[is_pos], candidates[is_pos]] = overlaps.t()[gt_index[is_pos], candidates[is_pos]]
        max_overlaps, argmax_overlaps = masked.t().max(dim=1)
        matched = max_overlaps != -INF
        assigned[matched] = argmax_overlaps[matched] + 1
        return AssignResult(num_gt, assigned, max_overlaps, labels=assigned_labels(assigned, gt_labels))

    def _closest_per_level(self, distances: torch.Tensor, num_level_bboxes: list) -> torch.Tensor:
        """``(sum of per-level k, num_gt)`` indices of each level's ``topk`` boxes closest to each gt."""
        candidates, start = [], 0
        for count in num_level_bboxes:
            level = distances[start:start + count, :]
            candidates.append(level.topk(min(self.topk, count), dim=0, largest=False)[1] + start)
            start += count
        return torch.cat(candidates, dim=0)
