"""True/false positives for ImageNet (size-adaptive IoU) and Open Images (group-of boxes) in ``eval_map``."""
from __future__ import annotations

import numpy as np

from .bbox_overlaps import bbox_overlaps
from .mean_ap import _areas, _mark_detections


def _no_gt_fps(det_bboxes: np.ndarray, area_ranges: list, extra: float) -> np.ndarray:
    """Without ground truth every detection (in each area range) is a false positive."""
    fp = np.zeros((len(area_ranges), len(det_bboxes)), dtype=np.float32)
    if area_ranges == [(None, None)]:
        fp[...] = 1
    else:
        det_areas = _areas(det_bboxes, extra)
        for k, (lo, hi) in enumerate(area_ranges):
            fp[k, (det_areas >= lo) & (det_areas < hi)] = 1
    return fp


def _area_ignore(gt_bboxes: np.ndarray, lo, hi, extra: float) -> np.ndarray:
    if lo is None:
        return np.zeros(len(gt_bboxes), dtype=bool)
    areas = _areas(gt_bboxes, extra)
    return (areas < lo) | (areas >= hi)


def _det_in_range(det_bboxes: np.ndarray, lo, hi, extra: float):
    return lambda i: lo is None or lo <= _areas(det_bboxes[i:i + 1, :4], extra)[0] < hi


def tpfp_imagenet(det_bboxes: np.ndarray, gt_bboxes: np.ndarray, gt_bboxes_ignore: np.ndarray | None = None,
                  default_iou_thr: float = 0.5, area_ranges: list | None = None, use_legacy_coordinate: bool = False,
                  **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """ImageNet DET/VID matching: a small box's IoU threshold is ``min(default, wh / ((w + 10)(h + 10)))``; each
    detection (by descending score) takes the uncovered ground truth it overlaps most above that threshold.
    The ground truth is compared one pixel up-left (ImageNet's 1-based boxes), as in mmdet."""
    extra = 1.0 if use_legacy_coordinate else 0.0
    gt_bboxes_ignore = np.zeros((0, 4), dtype=np.float32) if gt_bboxes_ignore is None else gt_bboxes_ignore
    gt_ignore = np.concatenate((np.zeros(len(gt_bboxes), bool), np.ones(len(gt_bboxes_ignore), bool)))
    gt_bboxes = np.vstack((gt_bboxes, gt_bboxes_ignore))
    area_ranges = area_ranges or [(None, None)]
    tp = np.zeros((len(area_ranges), len(det_bboxes)), dtype=np.float32)
    if len(gt_bboxes) == 0:
        return tp, _no_gt_fps(det_bboxes, area_ranges, extra)
    fp = np.zeros_like(tp)
    ious = bbox_overlaps(det_bboxes, gt_bboxes - 1, use_legacy_coordinate=use_legacy_coordinate)
    gt_w, gt_h = gt_bboxes[:, 2] - gt_bboxes[:, 0] + extra, gt_bboxes[:, 3] - gt_bboxes[:, 1] + extra
    iou_thrs = np.minimum(gt_w * gt_h / ((gt_w + 10.0) * (gt_h + 10.0)), default_iou_thr)
    order = np.argsort(-det_bboxes[:, -1])
    for k, (lo, hi) in enumerate(area_ranges):
        covered = np.zeros(len(gt_bboxes), dtype=bool)
        ignored = gt_ignore | (np.zeros(len(gt_bboxes), bool) if lo is None else
                               (gt_w * gt_h < lo) | (gt_w * gt_h >= hi))
        in_range = _det_in_range(det_bboxes, lo, hi, extra)
        for i in order:
            candidates = ~covered & (ious[i] >= iou_thrs)
            if candidates.any():
                j = int(np.argmax(np.where(candidates, ious[i], -np.inf)))
                covered[j] = True
                tp[k, i] = 0 if ignored[j] else 1
            elif in_range(i):
                fp[k, i] = 1
    return tp, fp


def tpfp_openimages(det_bboxes: np.ndarray, gt_bboxes: np.ndarray, gt_bboxes_ignore: np.ndarray | None = None,
                    iou_thr: float = 0.5, area_ranges: list | None = None, use_legacy_coordinate: bool = False,
                    gt_bboxes_group_of: np.ndarray | None = None, use_group_of: bool = True,
                    ioa_thr: float | None = 0.5, **kwargs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open Images matching. Detections first match the ordinary boxes by IoU (as ``tpfp_default``); with
    ``use_group_of``, every detection not yet a true positive whose intersection covers at least ``ioa_thr`` of
    a group-of box is folded into that box: each group-of box then counts as one detection (the highest score
    among its matches; a true positive) or, when nothing matched it, one zero-score false positive.

    Returns ``(tp, fp, det_bboxes)`` with the detections after the folding (their rows align with tp/fp).
    """
    extra = 1.0 if use_legacy_coordinate else 0.0
    gt_bboxes_ignore = np.zeros((0, 4), dtype=np.float32) if gt_bboxes_ignore is None else gt_bboxes_ignore
    gt_ignore = np.concatenate((np.zeros(len(gt_bboxes), bool), np.ones(len(gt_bboxes_ignore), bool)))
    num_plain = len(gt_bboxes)
    gt_bboxes = np.vstack((gt_bboxes, gt_bboxes_ignore))
    area_ranges = area_ranges or [(None, None)]
    tp = np.zeros((len(area_ranges), len(det_bboxes)), dtype=np.float32)
    if len(gt_bboxes) == 0:
        return tp, _no_gt_fps(det_bboxes, area_ranges, extra), det_bboxes
    group = np.zeros(len(gt_bboxes), dtype=bool)
    if use_group_of and gt_bboxes_group_of is not None:
        if len(gt_bboxes_group_of) != num_plain:
            raise ValueError(f'{len(gt_bboxes_group_of)} group-of flags for {num_plain} ground-truth boxes')
        group[:num_plain] = gt_bboxes_group_of
    fp = np.zeros_like(tp)
    plain_idx, group_idx = np.flatnonzero(~group), np.flatnonzero(group)
    order = np.argsort(-det_bboxes[:, -1])
    ious = bbox_overlaps(det_bboxes, gt_bboxes[plain_idx], use_legacy_coordinate=use_legacy_coordinate)
    for k, (lo, hi) in enumerate(area_ranges):
        ignored = gt_ignore | _area_ignore(gt_bboxes, lo, hi, extra)
        if ious.shape[1] == 0:
            fp[k] = _no_gt_fps(det_bboxes, [(lo, hi)], extra)[0]
            continue
        best = plain_idx[ious.argmax(axis=1)]
        _mark_detections(tp[k], fp[k], order, ious.max(axis=1) >= iou_thr, best, ignored,
                         _det_in_range(det_bboxes, lo, hi, extra))
    if len(group_idx) == 0:
        return tp, fp, det_bboxes
    if len(area_ranges) > 1:
        raise NotImplementedError('scale_ranges are not supported together with group-of boxes (use_group_of)')
    if ioa_thr is None:
        raise ValueError('use_group_of needs ioa_thr (the share of a group-of box a detection must cover)')
    ioas = bbox_overlaps(det_bboxes, gt_bboxes[group_idx], mode='iof')
    ioas_max, ioas_argmax = ioas.max(axis=1), ioas.argmax(axis=1)
    ignored = gt_ignore[group_idx] | _area_ignore(gt_bboxes[group_idx], *area_ranges[0], 0.0)
    group_dets = np.zeros((len(group_idx), det_bboxes.shape[1]), dtype=float)
    group_tp = np.zeros(len(group_idx), dtype=np.float32)
    folded = np.zeros(len(det_bboxes), dtype=bool)
    for i in order:
        g = ioas_argmax[i]
        if not tp[0, i] and ioas_max[i] >= ioa_thr and not ignored[g]:
            group_tp[g] = 1
            folded[i] = True
            if group_dets[g, -1] < det_bboxes[i, -1]:
                group_dets[g] = det_bboxes[i]
    tp = np.concatenate((tp[0][~folded], group_tp))[None]
    fp = np.concatenate((fp[0][~folded], (group_tp <= 0).astype(np.float32)))[None]
    return tp, fp, np.concatenate((det_bboxes[~folded], group_dets))
