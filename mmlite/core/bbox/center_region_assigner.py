"""``CenterRegionAssigner``: FSAF's assignment by box centre regions, with "shadowed" (ignored) labels."""
from __future__ import annotations

import torch

from .assign import AssignResult, BaseAssigner
from .builder import BBOX_ASSIGNERS, build_iou_calculator


def scale_boxes(bboxes: torch.Tensor, scale: float) -> torch.Tensor:
    """Boxes ``(n, 4)`` scaled by ``scale`` about their centres."""
    centers = (bboxes[:, 2:4] + bboxes[:, 0:2]) * .5
    half = (bboxes[:, 2:4] - bboxes[:, 0:2]) * .5 * scale
    return torch.cat([centers - half, centers + half], dim=1)


def is_located_in(points: torch.Tensor, bboxes: torch.Tensor) -> torch.Tensor:
    """``(n, k)``: point ``i`` lies strictly inside box ``j``."""
    x, y = points[:, 0:1], points[:, 1:2]
    return (x > bboxes[:, 0]) & (x < bboxes[:, 2]) & (y > bboxes[:, 1]) & (y < bboxes[:, 3])


def bboxes_area(bboxes: torch.Tensor) -> torch.Tensor:
    return (bboxes[:, 2] - bboxes[:, 0]) * (bboxes[:, 3] - bboxes[:, 1])


@BBOX_ASSIGNERS.register_module()
class CenterRegionAssigner(BaseAssigner):
    """A candidate whose centre lies in a gt box and which overlaps (IoF > ``min_pos_iof``) the gt's central
    ``pos_scale`` region is positive for it (the smallest such gt wins); its other such gts, and gts whose
    ``neg_scale`` region it overlaps, "shadow" it: their classes are ignored there (``shadowed_labels``,
    ``(k, 2)`` rows of candidate index and label, an extra property of the result). A candidate shadowed by
    its own class becomes negative (``foreground_dominate``: it stays positive and the shadow is dropped).
    Centres inside an ignored box (scaled by ``ignore_gt_scale``) are ignored."""

    def __init__(self, pos_scale: float, neg_scale: float, min_pos_iof: float = 1e-2, ignore_gt_scale: float = 0.5,
                 foreground_dominate: bool = False, iou_calculator=dict(type='BboxOverlaps2D')):  # noqa: B006
        self.pos_scale, self.neg_scale, self.min_pos_iof = pos_scale, neg_scale, min_pos_iof
        self.ignore_gt_scale, self.foreground_dominate = ignore_gt_scale, foreground_dominate
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def get_gt_priorities(self, gt_bboxes: torch.Tensor) -> torch.Tensor:
        """Per gt its rank by decreasing area: the smallest box has the highest priority."""
        return bboxes_area(gt_bboxes).sort(descending=True)[1].argsort()

    def assign(self, bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None) -> AssignResult:
        centers = (bboxes[:, 2:4] + bboxes[:, 0:2]) / 2
        in_core = is_located_in(centers, gt_bboxes) & (
            self.iou_calculator(bboxes, scale_boxes(gt_bboxes, self.pos_scale), mode='iof') > self.min_pos_iof)
        in_shadow = (self.iou_calculator(bboxes, scale_boxes(gt_bboxes, self.neg_scale), mode='iof') >
                     self.min_pos_iof) & ~in_core
        num_gts, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        if num_gts == 0 or num_bboxes == 0:
            gt_inds = bboxes.new_zeros(num_bboxes, dtype=torch.long)
            shadowed = bboxes.new_zeros((0, 2), dtype=torch.long)
        else:
            gt_inds, shadowed = self.assign_one_hot_gt_indices(in_core, in_shadow, self.get_gt_priorities(gt_bboxes))
        if gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0:
            ignored = is_located_in(centers, scale_boxes(gt_bboxes_ignore, self.ignore_gt_scale)).any(dim=1)
            gt_inds[ignored] = -1
        labels = shadowed_labels = None
        if gt_labels is not None:
            labels = gt_inds.new_full((num_bboxes, ), -1)
            pos = gt_inds > 0
            labels[pos] = gt_labels[gt_inds[pos] - 1]
            shadowed_labels = shadowed.clone()
            if shadowed.numel() > 0:
                pixels = shadowed[:, 0]
                shadowed_labels[:, 1] = gt_labels[shadowed[:, 1] - 1]
                same_class = labels[pixels] == shadowed_labels[:, 1]
                if self.foreground_dominate:
                    shadowed_labels = shadowed_labels[~same_class]
                else:
                    labels[pixels[same_class]] = -1
                    gt_inds[pixels[same_class]] = 0
        result = AssignResult(num_gts, gt_inds, None, labels=labels)
        result.set_extra_property('shadowed_labels', shadowed_labels)
        return result

    def assign_one_hot_gt_indices(self, is_bbox_in_gt_core: torch.Tensor, is_bbox_in_gt_shadow: torch.Tensor,
                                  gt_priority: torch.Tensor | None = None) -> tuple:
        """Each candidate in some gt core goes to the core gt of highest ``gt_priority`` (1-based indices, 0
        for none); returns them and the shadowing pairs ``(candidate, 1-based gt)``: the shadow regions'
        and the other cores'."""
        num_bboxes, num_gts = is_bbox_in_gt_core.shape
        if gt_priority is None:
            gt_priority = torch.arange(num_gts, device=is_bbox_in_gt_core.device)
        gt_inds = is_bbox_in_gt_core.new_zeros(num_bboxes, dtype=torch.long)
        shadowed = torch.nonzero(is_bbox_in_gt_shadow)
        if is_bbox_in_gt_core.any():
            priority = torch.where(is_bbox_in_gt_core, gt_priority[None, :], gt_priority.new_tensor(-1))
            matched = is_bbox_in_gt_core.any(dim=1)
            best = priority[matched].argmax(dim=1)
            gt_inds[matched] = best + 1
            other_cores = is_bbox_in_gt_core.clone()
            other_cores[matched, best] = False
            shadowed = torch.cat([shadowed, torch.nonzero(other_cores)], dim=0)
        shadowed[:, 1] += 1
        return gt_inds, shadowed
