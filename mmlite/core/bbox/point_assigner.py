"""``PointAssigner``: RepPoints' first-stage assignment of feature-map points to the boxes they sit nearest."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner, assigned_labels
from .builder import BBOX_ASSIGNERS


@BBOX_ASSIGNERS.register_module()
class PointAssigner(BaseAssigner):
    """Each gt box is learnt by the ``pos_num`` points of its level nearest its centre (distance in units of
    the box's width and height); a point chosen by several boxes goes to the nearest one (the first box on a
    tie). A box's level is ``int(mean(log2(w / scale), log2(h / scale)))`` clamped to the points' levels, a
    point's level ``log2`` of its stride.

    Args:
        scale: Box size (pixels) that maps to level 0. Defaults to 4.
        pos_num: Points per box. Defaults to 3.
    """

    def __init__(self, scale: float = 4, pos_num: int = 3):
        self.scale, self.pos_num = scale, pos_num

    def assign(self, points: torch.Tensor, gt_bboxes: torch.Tensor, gt_bboxes_ignore=None,
               gt_labels=None) -> AssignResult:
        """Assign ``points`` (``(n, 3+)``: x, y, stride...) to ``gt_bboxes``; ``gt_bboxes_ignore`` is unused,
        as in mmdet."""
        num_points, num_gts = points.size(0), gt_bboxes.size(0)
        gt_inds = points.new_zeros((num_points, ), dtype=torch.long)
        if num_gts == 0 or num_points == 0:
            labels = None if gt_labels is None else gt_inds.new_full((num_points, ), -1)
            return AssignResult(num_gts, gt_inds, None, labels=labels)
        points_lvl = torch.log2(points[:, 2]).int()
        centres = (gt_bboxes[:, :2] + gt_bboxes[:, 2:]) / 2
        sizes = (gt_bboxes[:, 2:] - gt_bboxes[:, :2]).clamp(min=1e-6)
        gt_lvl = ((torch.log2(sizes[:, 0] / self.scale) + torch.log2(sizes[:, 1] / self.scale)) / 2).int()
        gt_lvl = gt_lvl.clamp(min=points_lvl.min(), max=points_lvl.max())
        best_dist = points.new_full((num_points, ), float('inf'))
        for lvl in gt_lvl.unique().tolist():
            point_idx = (points_lvl == lvl).nonzero().squeeze(1)
            gt_idx = (gt_lvl == lvl).nonzero().squeeze(1)
            # (gts of the level, points of the level): distance from each box centre, in box units
            dist = ((points[point_idx, None, :2] - centres[gt_idx]) / sizes[gt_idx]).norm(dim=2).t()
            near_dist, near = dist.topk(min(self.pos_num, len(point_idx)), dim=1, largest=False)
            for row, gt in enumerate(gt_idx.tolist()):  # in gt order: a later box needs a strictly nearer point
                chosen = point_idx[near[row]]
                nearer = near_dist[row] < best_dist[chosen]
                gt_inds[chosen[nearer]] = gt + 1
                best_dist[chosen[nearer]] = near_dist[row][nearer]
        return AssignResult(num_gts, gt_inds, None, labels=assigned_labels(gt_inds, gt_labels))
