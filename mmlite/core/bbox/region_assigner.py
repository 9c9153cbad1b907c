"""``RegionAssigner``: Cascade RPN's first-stage assignment by the gts' centre regions on their own level."""
from __future__ import annotations

import torch

from ..anchor.utils import anchor_inside_flags
from .assign import AssignResult, BaseAssigner
from .builder import BBOX_ASSIGNERS


def calc_region(bbox: torch.Tensor, ratio: float, stride: float, featmap_size=None) -> tuple:
    """The central part of ``bbox`` left after cutting ``ratio`` of its size from each side, in feature-map
    cells of ``stride`` (rounded; clamped to ``featmap_size``)."""
    f_bbox = bbox / stride
    x1 = torch.round((1 - ratio) * f_bbox[0] + ratio * f_bbox[2])
    y1 = torch.round((1 - ratio) * f_bbox[1] + ratio * f_bbox[3])
    x2 = torch.round(ratio * f_bbox[0] + (1 - ratio) * f_bbox[2])
    y2 = torch.round(ratio * f_bbox[1] + (1 - ratio) * f_bbox[3])
    if featmap_size is not None:
        x1, x2 = x1.clamp(min=0, max=featmap_size[1]), x2.clamp(min=0, max=featmap_size[1])
        y1, y2 = y1.clamp(min=0, max=featmap_size[0]), y2.clamp(min=0, max=featmap_size[0])
    return x1, y1, x2, y2


def anchor_ctr_inside_region_flags(anchors: torch.Tensor, stride: float, region: tuple) -> torch.Tensor:
    """Whether each anchor's centre (in cells of ``stride``) lies in ``region`` (edges included)."""
    x1, y1, x2, y2 = region
    f_anchors = anchors / stride
    x = (f_anchors[:, 0] + f_anchors[:, 2]) * 0.5
    y = (f_anchors[:, 1] + f_anchors[:, 3]) * 0.5
    return (x >= x1) & (x <= x2) & (y >= y1) & (y <= y2)


@BBOX_ASSIGNERS.register_module()
class RegionAssigner(BaseAssigner):
    """Each gt goes to the level matching its size (``anchor_scale * anchor_strides[0]`` at level 0, one level
    per doubling): the anchors whose centres lie in its central ``center_ratio`` region are positive, those in
    its ``ignore_ratio`` region and in that region on the two adjacent levels are ignored; anchors outside the
    image are ignored; the rest are negative.

    As in mmdet 2.28.2 a gt's positives override an earlier gt's ignored anchors on its level; unlike it, the
    adjacent-level ignore regions are applied (mmdet indexed with their 0/1 integer flags, which ignored anchors
    0 and 1 of each level instead).
    """

    def __init__(self, center_ratio: float = 0.2, ignore_ratio: float = 0.5):
        self.center_ratio, self.ignore_ratio = center_ratio, ignore_ratio

    def assign(self, mlvl_anchors: list, mlvl_valid_flags: list, gt_bboxes: torch.Tensor, img_meta: dict,
               featmap_sizes: list, anchor_scale: float, anchor_strides: list, gt_bboxes_ignore=None, gt_labels=None,
               allowed_border: int = 0) -> AssignResult:
        """Assign the anchors of all levels (``mlvl_anchors``, one per feature-map cell) to ``gt_bboxes``."""
        if gt_bboxes_ignore is not None:
            raise NotImplementedError('RegionAssigner does not support gt_bboxes_ignore (as mmdet)')
        num_gts, num_bboxes = gt_bboxes.shape[0], sum(x.shape[0] for x in mlvl_anchors)
        if num_gts == 0 or num_bboxes == 0:
            labels = None if gt_labels is None else gt_bboxes.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gts, gt_bboxes.new_zeros((num_bboxes, ), dtype=torch.long),
                                gt_bboxes.new_zeros((num_bboxes, )), labels=labels)
        num_lvls = len(mlvl_anchors)
        r1, r2 = (1 - self.center_ratio) / 2, (1 - self.ignore_ratio) / 2
        scale = torch.sqrt((gt_bboxes[:, 2] - gt_bboxes[:, 0]) * (gt_bboxes[:, 3] - gt_bboxes[:, 1]))
        min_anchor_size = scale.new_full((1, ), float(anchor_scale * anchor_strides[0]))
        target_lvls = torch.floor(torch.log2(scale) - torch.log2(min_anchor_size) + 0.5)
        target_lvls = target_lvls.clamp(min=0, max=num_lvls - 1).long().tolist()
        for lvl, (h, w) in enumerate(featmap_sizes):
            if h * w != mlvl_anchors[lvl].shape[0]:
                raise ValueError(f'RegionAssigner: level {lvl} has {mlvl_anchors[lvl].shape[0]} anchors for a '
                                 f'{h}x{w} map (one anchor per cell is required)')
        assigned = [gt_bboxes.new_zeros((h * w, ), dtype=torch.long) for h, w in featmap_sizes]
        ignored = [torch.zeros_like(inds, dtype=torch.bool) for inds in assigned]

        def flags(gt_bbox, ratio, lvl):
            region = calc_region(gt_bbox, ratio, anchor_strides[lvl], featmap_sizes[lvl])
            return anchor_ctr_inside_region_flags(mlvl_anchors[lvl], anchor_strides[lvl], region)

        for gt_id, lvl in enumerate(target_lvls):
            gt_bbox = gt_bboxes[gt_id, :4]
            assigned[lvl][flags(gt_bbox, r2, lvl)] = -1
            assigned[lvl][flags(gt_bbox, r1, lvl)] = gt_id + 1
            for adjacent in (lvl - 1, lvl + 1):
                if 0 <= adjacent < num_lvls:
                    ignored[adjacent] |= flags(gt_bbox, r2, adjacent)
        for inds, ignore in zip(assigned, ignored):
            inds[ignore] = -1
        flat_assigned = torch.cat(assigned)
        inside = anchor_inside_flags(torch.cat(mlvl_anchors), torch.cat(mlvl_valid_flags), img_meta['img_shape'],
                                     allowed_border)
        flat_assigned[~inside] = -1
        labels = None
        if gt_labels is not None:
            labels = torch.zeros_like(flat_assigned)
            positive = flat_assigned > 0
            labels[positive] = gt_labels[flat_assigned[positive] - 1]
        return AssignResult(num_gts, flat_assigned, None, labels=labels)
