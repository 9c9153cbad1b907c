"""VOC-style mean average precision (``eval_map``) with area ranges and ignored boxes."""
from __future__ import annotations

from typing import Callable

import numpy as np
from terminaltables import AsciiTable

from ...utils import print_log
from .bbox_overlaps import bbox_overlaps
from .class_names import get_classes


def average_precision(recalls: np.ndarray, precisions: np.ndarray, mode: str = 'area') -> np.ndarray:
    """AP from recall/precision curves (1-d, or 2-d with one row per scale).

    Args:
        mode: 'area' (area under the interpolated curve) or '11points' (VOC2007).
    """
    single = recalls.ndim == 1
    recalls, precisions = np.atleast_2d(recalls), np.atleast_2d(precisions)
    num_scales = recalls.shape[0]
    ap = np.zeros(num_scales, dtype=np.float32)
    if mode == 'area':
        zeros = np.zeros((num_scales, 1), dtype=recalls.dtype)
        mrec = np.hstack((zeros, recalls, np.ones((num_scales, 1), dtype=recalls.dtype)))
        mpre = np.hstack((zeros, precisions, zeros))
        mpre = np.flip(np.maximum.accumulate(np.flip(mpre, axis=1), axis=1), axis=1)
        for i in range(num_scales):
            ind = np.where(mrec[i, 1:] != mrec[i, :-1])[0]
            ap[i] = np.sum((mrec[i, ind + 1] - mrec[i, ind]) * mpre[i, ind + 1])
    elif mode == '11points':
        for i in range(num_scales):
            for thr in np.arange(0, 1 + 1e-3, 0.1):
                precs = precisions[i, recalls[i, :] >= thr]
                ap[i] += precs.max() if precs.size > 0 else 0
        ap /= 11
    else:
        raise ValueError('Unrecognized mode, only "area" and "11points" are supported')
    return ap[0] if single else ap


def _areas(boxes: np.ndarray, extra: float) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0] + extra) * (boxes[:, 3] - boxes[:, 1] + extra)


def _mark_detections(tp: np.ndarray, fp: np.ndarray, order: np.ndarray, matched: np.ndarray,
                     best_gt: np.ndarray, ignored_gt: np.ndarray, in_range) -> None:
    """Greedy matching in score ``order``: the first detection on a gt is a TP, later ones FPs;
    unmatched detections are FPs when ``in_range(i)`` (their area is in the evaluated range)."""
    covered = np.zeros(len(ignored_gt), dtype=bool)
    for i in order:
        if not matched[i]:
            fp[i] = 1 if in_range(i) else 0
            continue
        gt = best_gt[i]
        if ignored_gt[gt]:
            continue
        if covered[gt]:
            fp[i] = 1
        else:
            covered[gt] = True
            tp[i] = 1


def tpfp_default(det_bboxes: np.ndarray, gt_bboxes: np.ndarray, gt_bboxes_ignore: np.ndarray | None = None,
                 iou_thr: float = 0.5, area_ranges: list | None = None,
                 use_legacy_coordinate: bool = False, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Mark each detection (by descending score) as true or false positive per area range."""
    extra = 1.0 if use_legacy_coordinate else 0.0
    if gt_bboxes_ignore is None:
        gt_bboxes_ignore = np.zeros((0, 4), dtype=np.float32)
    gt_ignore = np.concatenate((np.zeros(len(gt_bboxes), bool), np.ones(len(gt_bboxes_ignore), bool)))
    gt_bboxes = np.vstack((gt_bboxes, gt_bboxes_ignore))
    area_ranges = area_ranges or [(None, None)]
    tp = np.zeros((len(area_ranges), len(det_bboxes)), dtype=np.float32)
    fp = np.zeros_like(tp)
    if len(gt_bboxes) == 0:
        if area_ranges == [(None, None)]:
            fp[...] = 1
        else:
            det_areas = _areas(det_bboxes, extra)
            for k, (lo, hi) in enumerate(area_ranges):
                fp[k, (det_areas >= lo) & (det_areas < hi)] = 1
        return tp, fp
    ious = bbox_overlaps(det_bboxes, gt_bboxes, use_legacy_coordinate=use_legacy_coordinate)
    ious_max, ious_argmax = ious.max(axis=1), ious.argmax(axis=1)
    order = np.argsort(-det_bboxes[:, -1])
    for k, (lo, hi) in enumerate(area_ranges):
        if lo is None:
            area_ignore = np.zeros(len(gt_bboxes), dtype=bool)
        else:
            gt_areas = _areas(gt_bboxes, extra)
            area_ignore = (gt_areas < lo) | (gt_areas >= hi)
        _mark_detections(tp[k], fp[k], order, ious_max >= iou_thr, ious_argmax, gt_ignore | area_ignore,
                         lambda i, lo=lo, hi=hi: lo is None or lo <= _areas(det_bboxes[i:i + 1, :4], extra)[0] < hi)
    return tp, fp


def get_cls_results(det_results: list, annotations: list, class_id: int) -> tuple[list, list, list]:
    """Detections, ground truth and ignored ground truth of one class, per image."""
    cls_dets = [img_res[class_id] for img_res in det_results]
    cls_gts, cls_gts_ignore = [], []
    for ann in annotations:
        cls_gts.append(ann['bboxes'][ann['labels'] == class_id, :])
        if ann.get('labels_ignore', None) is not None:
            cls_gts_ignore.append(ann['bboxes_ignore'][ann['labels_ignore'] == class_id, :])
        else:
            cls_gts_ignore.append(np.empty((0, 4), dtype=np.float32))
    return cls_dets, cls_gts, cls_gts_ignore


def _count_gts(cls_gts: list, area_ranges: list | None, extra: float) -> np.ndarray:
    num_gts = np.zeros(len(area_ranges) if area_ranges else 1, dtype=int)
    for boxes in cls_gts:
        if area_ranges is None:
            num_gts[0] += boxes.shape[0]
        else:
            gt_areas = _areas(boxes, extra)
            for k, (lo, hi) in enumerate(area_ranges):
                num_gts[k] += np.sum((gt_areas >= lo) & (gt_areas < hi))
    return num_gts


def get_cls_group_ofs(annotations: list, class_id: int) -> list:
    """Per image, the ``gt_is_group_ofs`` flags of one class's boxes (Open Images)."""
    return [ann['gt_is_group_ofs'][ann['labels'] == class_id] if ann.get('gt_is_group_ofs') is not None
            else np.zeros(int(np.sum(ann['labels'] == class_id)), dtype=bool) for ann in annotations]


def _default_tpfp_fn(dataset, use_group_of: bool) -> Callable:
    from .tpfp_extra import tpfp_imagenet, tpfp_openimages
    if isinstance(dataset, str) and dataset in ('det', 'vid'):
        return tpfp_imagenet
    if (isinstance(dataset, str) and dataset in ('oid_challenge', 'oid_v6')) or use_group_of:
        return tpfp_openimages
    return tpfp_default


def _class_tpfp(tpfp_fn: Callable, det_results: list, annotations: list, class_id: int, iou_thr: float,
                area_ranges, use_legacy_coordinate: bool, use_group_of: bool, ioa_thr) -> tuple:
    """``(tp, fp, detections)`` of one class over all images (Open Images' matching may fold detections)."""
    cls_dets, cls_gts, cls_gts_ignore = get_cls_results(det_results, annotations, class_id)
    extra = {}
    if use_group_of:
        extra = dict(use_group_of=True, ioa_thr=ioa_thr)
        group_ofs = get_cls_group_ofs(annotations, class_id)
    tps, fps, dets = [], [], []
    for j, (d, g, gi) in enumerate(zip(cls_dets, cls_gts, cls_gts_ignore)):
        if use_group_of:
            extra['gt_bboxes_group_of'] = group_ofs[j]
        out = tpfp_fn(d, g, gi, iou_thr, area_ranges, use_legacy_coordinate=use_legacy_coordinate, **extra)
        tps.append(out[0])
        fps.append(out[1])
        dets.append(out[2] if len(out) > 2 else d)
    if not tps:
        return np.zeros((1, 0)), np.zeros((1, 0)), cls_gts, np.zeros((0, 5))
    return np.hstack(tps), np.hstack(fps), cls_gts, np.vstack(dets)


def eval_map(det_results: list, annotations: list, scale_ranges: list | None = None,
             iou_thr: float = 0.5, ioa_thr: float | None = None, dataset=None, logger=None,
             tpfp_fn: Callable | None = None, nproc: int = 4, use_legacy_coordinate: bool = False,
             use_group_of: bool = False) -> tuple[float, list]:
    """Mean AP over classes (VOC style).

    Args:
        det_results: Per image, per class ``(n, 5)`` arrays ``[x1, y1, x2, y2, score]``.
        annotations: Per image dicts with ``bboxes``, ``labels`` (and optionally ``bboxes_ignore``,
            ``labels_ignore``; ``gt_is_group_ofs`` for Open Images).
        scale_ranges: ``[(min, max)]`` box side ranges (areas are their squares).
        iou_thr: IoU for a match. Defaults to 0.5.
        ioa_thr: With ``use_group_of``, the share of a group-of box a detection must cover.
        dataset: Class names (list), ``'voc07'`` (11-point AP), ``'det'``/``'vid'`` (ImageNet matching:
            ``tpfp_imagenet``) or ``'oid_v6'``/``'oid_challenge'`` (``tpfp_openimages``).
        tpfp_fn: The matching function (default chosen from ``dataset`` and ``use_group_of``).
        nproc: Accepted for compatibility (evaluation runs in-process).
        use_group_of: Open Images' group-of boxes (each counts once; see ``tpfp_openimages``).

    Returns:
        ``(mean_ap, per-class dicts with num_gts, num_dets, recall, precision, ap)``.
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'{len(det_results)} detection results for {len(annotations)} images')
    if use_group_of and ioa_thr is None:
        raise ValueError('use_group_of needs ioa_thr (the share of a group-of box a detection must cover)')
    extra = 1.0 if use_legacy_coordinate else 0.0
    area_ranges = [(lo**2, hi**2) for lo, hi in scale_ranges] if scale_ranges is not None else None
    tpfp_fn = tpfp_fn or _default_tpfp_fn(dataset, use_group_of)
    eps = np.finfo(np.float32).eps
    eval_results = []
    for class_id in range(len(det_results[0])):
        tp, fp, cls_gts, dets = _class_tpfp(tpfp_fn, det_results, annotations, class_id, iou_thr, area_ranges,
                                            use_legacy_coordinate, use_group_of, ioa_thr)
        num_gts = _count_gts(cls_gts, area_ranges, extra)
        order = np.argsort(-dets[:, -1])
        tp, fp = np.cumsum(tp[:, order], axis=1), np.cumsum(fp[:, order], axis=1)
        recalls = tp / np.maximum(num_gts[:, None], eps)
        precisions = tp / np.maximum(tp + fp, eps)
        if scale_ranges is None:
            recalls, precisions, num_gts = recalls[0], precisions[0], int(num_gts[0])
        ap = average_precision(recalls, precisions, '11points' if dataset == 'voc07' else 'area')
        eval_results.append(dict(num_gts=num_gts, num_dets=len(dets), recall=recalls,
                                 precision=precisions, ap=ap))
    if scale_ranges is not None:
        all_ap = np.vstack([r['ap'] for r in eval_results])
        all_gts = np.vstack([r['num_gts'] for r in eval_results])
        mean_ap = [float(all_ap[all_gts[:, i] > 0, i].mean()) if np.any(all_gts[:, i] > 0) else 0.0
                   for i in range(len(scale_ranges))]
    else:
        aps = [r['ap'] for r in eval_results if r['num_gts'] > 0]
        mean_ap = float(np.mean(aps)) if aps else 0.0
    print_map_summary(mean_ap, eval_results, dataset, area_ranges, logger=logger)
    return mean_ap, eval_results


def print_map_summary(mean_ap, results: list, dataset=None, scale_ranges=None, logger=None) -> None:
    """Print a per-class table (gts, dets, recall, AP) and the mAP."""
    if logger == 'silent':
        return
    num_scales = len(results[0]['ap']) if isinstance(results[0]['ap'], np.ndarray) else 1
    if isinstance(dataset, (list, tuple)):
        label_names = list(dataset)
    elif isinstance(dataset, str):
        label_names = get_classes(dataset)
    else:
        label_names = [str(i) for i in range(len(results))]
    mean_aps = mean_ap if isinstance(mean_ap, list) else [mean_ap]
    for i in range(num_scales):
        if scale_ranges is not None:
            print_log(f'Scale range {scale_ranges[i]}', logger=logger)
        rows = [['class', 'gts', 'dets', 'recall', 'ap']]
        for name, res in zip(label_names, results):
            recall = np.atleast_2d(res['recall'])
            gts = np.atleast_1d(res['num_gts'])[i]
            last = recall[i, -1] if recall.size else 0.0
            ap = np.atleast_1d(res['ap'])[i]
            rows.append([name, int(gts), res['num_dets'], f'{last:.3f}', f'{ap:.3f}'])
        rows.append(['mAP', '', '', '', f'{mean_aps[i]:.3f}'])
        table = AsciiTable(rows)
        table.inner_footing_row_border = True
        print_log('\n' + table.table, logger=logger)
