"""``ApproxMaxIoUAssigner``: guided anchoring's assignment of square anchors by their best approximating box."""
from __future__ import annotations

import torch

from .assign import AssignResult, MaxIoUAssigner
from .builder import BBOX_ASSIGNERS


@BBOX_ASSIGNERS.register_module()
class ApproxMaxIoUAssigner(MaxIoUAssigner):
    """:class:`MaxIoUAssigner` where a square's IoU with a gt is the best IoU of its ``approxs_per_octave``
    approximating anchors (the anchor shapes sampled at its location); ignored boxes are matched against
    the squares. Same arguments as :class:`MaxIoUAssigner`."""

    def assign(self, approxs: torch.Tensor, squares: torch.Tensor, approxs_per_octave: int, gt_bboxes: torch.Tensor,
               gt_bboxes_ignore=None, gt_labels=None) -> AssignResult:
        """Assign ``squares`` (``(n, 4)``) from their ``approxs`` (``(n * approxs_per_octave, 4)``, location by
        location) to ``gt_bboxes``."""
        num_squares, num_gts = squares.size(0), gt_bboxes.size(0)
        if num_squares == 0 or num_gts == 0:
            return self.assign_wrt_overlaps(approxs.new_zeros((num_gts, num_squares)), gt_labels)
        on_cpu = self.gpu_assign_thr > 0 and num_gts > self.gpu_assign_thr and approxs.is_cuda
        device = approxs.device
        if on_cpu:  # many gts: the IoU matrix is built on the host to save memory
            approxs, squares, gt_bboxes = approxs.cpu(), squares.cpu(), gt_bboxes.cpu()
            gt_bboxes_ignore = gt_bboxes_ignore.cpu() if gt_bboxes_ignore is not None else None
            gt_labels = gt_labels.cpu() if gt_labels is not None else None
        overlaps = self.iou_calculator(gt_bboxes, approxs).view(num_gts, num_squares, approxs_per_octave).max(2)[0]
        if (self.ignore_iof_thr > 0 and gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0):
            if self.ignore_wrt_candidates:
                ignore_max = self.iou_calculator(squares, gt_bboxes_ignore, mode='iof').max(dim=1).values
            else:
                ignore_max = self.iou_calculator(gt_bboxes_ignore, squares, mode='iof').max(dim=0).values
            overlaps[:, ignore_max > self.ignore_iof_thr] = -1
        result = self.assign_wrt_overlaps(overlaps, gt_labels)
        if on_cpu:
            result.gt_inds, result.max_overlaps = result.gt_inds.to(device), result.max_overlaps.to(device)
            if result.labels is not None:
                result.labels = result.labels.to(device)
        return result
