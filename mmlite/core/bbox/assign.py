"""Assigners: which ground-truth box (if any) each candidate box learns from."""
from __future__ import annotations

import torch

from .builder import BBOX_ASSIGNERS, build_iou_calculator


class AssignResult:
    """Result of an assignment.

    Attributes:
        num_gts: Number of ground-truth boxes.
        gt_inds: Per candidate: 0 negative, -1 ignored, ``i + 1`` assigned to gt ``i``.
        max_overlaps: Per candidate, the IoU with its best gt.
        labels: Per candidate, the assigned gt label (-1 otherwise), or None.
    """

    def __init__(self, num_gts: int, gt_inds: torch.Tensor, max_overlaps: torch.Tensor,
                 labels: torch.Tensor | None = None):
        self.num_gts, self.gt_inds, self.max_overlaps, self.labels = num_gts, gt_inds, max_overlaps, labels
        self._extra_properties: dict = {}

    @property
    def num_preds(self) -> int:
        return len(self.gt_inds)

    def set_extra_property(self, key: str, value) -> None:
        self._extra_properties[key] = value

    def get_extra_property(self, key: str):
        return self._extra_properties.get(key, None)

    @property
    def info(self) -> dict:
        return dict(num_gts=self.num_gts, num_preds=self.num_preds, gt_inds=self.gt_inds,
                    max_overlaps=self.max_overlaps, labels=self.labels, **self._extra_properties)

    def add_gt_(self, gt_labels: torch.Tensor) -> None:
        """Prepend the ground-truth boxes themselves as candidates assigned to themselves."""
        self_inds = torch.arange(1, len(gt_labels) + 1, dtype=torch.long, device=gt_labels.device)
        self.gt_inds = torch.cat([self_inds, self.gt_inds])
        self.max_overlaps = torch.cat([self.max_overlaps.new_ones(len(gt_labels)), self.max_overlaps])
        if self.labels is not None:
            self.labels = torch.cat([gt_labels, self.labels])

    def __repr__(self) -> str:
        return f'<AssignResult(num_gts={self.num_gts}, num_preds={self.num_preds})>'


def assigned_labels(gt_inds: torch.Tensor, gt_labels: torch.Tensor | None) -> torch.Tensor | None:
    """Per candidate, the label of its assigned gt (``gt_inds > 0``), else -1; None without ``gt_labels``."""
    if gt_labels is None:
        return None
    labels = gt_inds.new_full(gt_inds.shape, -1)
    pos = gt_inds > 0
    labels[pos] = gt_labels[gt_inds[pos] - 1]
    return labels


class BaseAssigner:
    """Base class of assigners."""

    def assign(self, bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None):
        raise NotImplementedError


@BBOX_ASSIGNERS.register_module()
class MaxIoUAssigner(BaseAssigner):
    """Assign each candidate to the gt of highest IoU.

    IoU below ``neg_iou_thr`` (a float, or a ``(low, high)`` range) → negative; at least
    ``pos_iou_thr`` → positive; with ``match_low_quality`` each gt also claims its best candidates
    (IoU ≥ ``min_pos_iou``; all ties with ``gt_max_assign_all``). Candidates overlapping an ignored
    box by IoF > ``ignore_iof_thr`` are ignored. Same results as mmdet's loop, vectorised.
    """

    def __init__(self, pos_iou_thr: float, neg_iou_thr, min_pos_iou: float = .0,
                 gt_max_assign_all: bool = True, ignore_iof_thr: float = -1,
                 ignore_wrt_candidates: bool = True, match_low_quality: bool = True,
                 gpu_assign_thr: int = -1, iou_calculator: dict = dict(type='BboxOverlaps2D')):  # noqa: B006
        if not isinstance(neg_iou_thr, (float, int)) and not (isinstance(neg_iou_thr, tuple) and len(neg_iou_thr) == 2):
            raise ValueError(f'neg_iou_thr must be a float or a (low, high) tuple, got {neg_iou_thr!r}')
        self.pos_iou_thr, self.neg_iou_thr, self.min_pos_iou = pos_iou_thr, neg_iou_thr, min_pos_iou
        self.gt_max_assign_all, self.ignore_iof_thr = gt_max_assign_all, ignore_iof_thr
        self.ignore_wrt_candidates, self.gpu_assign_thr = ignore_wrt_candidates, gpu_assign_thr
        self.match_low_quality = match_low_quality
        self.iou_calculator = build_iou_calculator(iou_calculator)

    def assign(self, bboxes: torch.Tensor, gt_bboxes: torch.Tensor, gt_bboxes_ignore=None,
               gt_labels=None) -> AssignResult:
        on_cpu = self.gpu_assign_thr > 0 and gt_bboxes.shape[0] > self.gpu_assign_thr and bboxes.is_cuda
        if on_cpu:  # many gts: the (gts x candidates) IoU matrix is built on the host to save memory
            device = bboxes.device
            bboxes, gt_bboxes = bboxes.cpu(), gt_bboxes.cpu()
            gt_bboxes_ignore = gt_bboxes_ignore.cpu() if gt_bboxes_ignore is not None else None
            gt_labels = gt_labels.cpu() if gt_labels is not None else None
        result = self._assign(bboxes, gt_bboxes, gt_bboxes_ignore, gt_labels)
        if on_cpu:
            result.gt_inds, result.max_overlaps = result.gt_inds.to(device), result.max_overlaps.to(device)
            if result.labels is not None:
                result.labels = result.labels.to(device)
        return result

    def _assign(self, bboxes, gt_bboxes, gt_bboxes_ignore, gt_labels) -> AssignResult:
        overlaps = self.iou_calculator(gt_bboxes, bboxes)
        if (self.ignore_iof_thr > 0 and gt_bboxes_ignore is not None and gt_bboxes_ignore.numel() > 0
                and bboxes.numel() > 0):
            if self.ignore_wrt_candidates:
                ignore_max = self.iou_calculator(bboxes, gt_bboxes_ignore, mode='iof').max(dim=1).values
            else:
                ignore_max = self.iou_calculator(gt_bboxes_ignore, bboxes, mode='iof').max(dim=0).values
            overlaps[:, ignore_max > self.ignore_iof_thr] = -1
        return self.assign_wrt_overlaps(overlaps, gt_labels)

    def assign_wrt_overlaps(self, overlaps: torch.Tensor, gt_labels=None) -> AssignResult:
        num_gts, num_bboxes = overlaps.size(0), overlaps.size(1)
        assigned = overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
        if num_gts == 0 or num_bboxes == 0:
            max_overlaps = overlaps.new_zeros((num_bboxes, ))
            if num_gts == 0:
                assigned[:] = 0
            labels = None if gt_labels is None else overlaps.new_full((num_bboxes, ), -1, dtype=torch.long)
            return AssignResult(num_gts, assigned, max_overlaps, labels=labels)
        max_overlaps, argmax_overlaps = overlaps.max(dim=0)
        gt_max_overlaps, gt_argmax_overlaps = overlaps.max(dim=1)
        if isinstance(self.neg_iou_thr, tuple):
            lo, hi = self.neg_iou_thr
            assigned[(max_overlaps >= lo) & (max_overlaps < hi)] = 0
        else:
            assigned[(max_overlaps >= 0) & (max_overlaps < self.neg_iou_thr)] = 0
        pos = max_overlaps >= self.pos_iou_thr
        assigned[pos] = argmax_overlaps[pos] + 1
        if self.match_low_quality:
            self._match_low_quality(assigned, overlaps, gt_max_overlaps, gt_argmax_overlaps)
        return AssignResult(num_gts, assigned, max_overlaps, labels=assigned_labels(assigned, gt_labels))

    def _match_low_quality(self, assigned, overlaps, gt_max_overlaps, gt_argmax_overlaps) -> None:
        num_gts = overlaps.size(0)
        eligible = gt_max_overlaps >= self.min_pos_iou
        gt_ids = torch.arange(1, num_gts + 1, device=overlaps.device)
        if self.gt_max_assign_all:
            # mmdet loops over gts in order, so a candidate tied for several gts goes to the last one
            claims = (overlaps == gt_max_overlaps[:, None]) & eligible[:, None]
            winner = (claims.long() * gt_ids[:, None]).max(dim=0).values
            assigned[winner > 0] = winner[winner > 0]
        else:
            for i in torch.nonzero(eligible).flatten().tolist():
                assigned[gt_argmax_overlaps[i]] = i + 1


@BBOX_ASSIGNERS.register_module()
class AscendMaxIoUAssigner(MaxIoUAssigner):
    """The name mmdet's Ascend (NPU) configs use for a padded-batch ``MaxIoUAssigner``: the same assignment,
    computed per image here, so those configs train the same model on CPU and CUDA."""
