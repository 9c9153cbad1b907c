"""Panoptic quality (PQ, SQ, RQ) as the COCO panoptic challenge defines it (panopticapi's protocol).

A predicted and a ground-truth segment of the same category match when their IoU exceeds 0.5 (each
pixel belongs to one segment, so matches are unique). The union leaves out the prediction's pixels on
VOID ground truth; a ground-truth crowd segment never matches, and an unmatched prediction whose
pixels lie more than half on VOID or on its category's crowd region is not a false positive.
Segment maps are PNGs with ``id = R + 256 G + 256² B`` (0 is VOID).
"""
from __future__ import annotations

import multiprocessing
import os.path as osp

import numpy as np

from ...image import imread

__all__ = ['VOID', 'OFFSET', 'PQStat', 'PQStatCat', 'rgb2id', 'id2rgb', 'pq_compute_single_core',
           'pq_compute_multi_core', 'pq_image_stat']

VOID = 0
OFFSET = 256 * 256 * 256  # larger than any segment id: gt_id * OFFSET + pred_id pairs them


def rgb2id(color: np.ndarray) -> np.ndarray:
    """Segment ids of an ``H x W x 3`` RGB panoptic PNG (or of one RGB triple)."""
    color = np.asarray(color)
    if color.dtype == np.uint8:
        color = color.astype(np.int32)
    return color[..., 0] + 256 * color[..., 1] + 256 * 256 * color[..., 2]


def id2rgb(id_map: np.ndarray) -> np.ndarray:
    """The ``H x W x 3`` uint8 RGB encoding of a segment-id map (inverse of ``rgb2id``)."""
    ids = np.asarray(id_map).astype(np.int64)
    return np.stack([ids % 256, ids // 256 % 256, ids // (256 * 256) % 256], axis=-1).astype(np.uint8)


class PQStatCat:
    """Matched IoU sum and TP/FP/FN counts of one category."""

    def __init__(self):
        self.iou, self.tp, self.fp, self.fn = 0.0, 0, 0, 0

    def __iadd__(self, other: PQStatCat) -> PQStatCat:
        self.iou += other.iou
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self


class PQStat:
    """Per-category statistics, summed over images (and processes, with ``+=``)."""

    def __init__(self):
        self.pq_per_cat: dict[int, PQStatCat] = {}

    def __getitem__(self, category_id: int) -> PQStatCat:
        return self.pq_per_cat.setdefault(category_id, PQStatCat())

    def __setitem__(self, category_id: int, stat: PQStatCat) -> None:
        self.pq_per_cat[category_id] = stat

    def __iadd__(self, other: PQStat) -> PQStat:
        for category_id, stat in other.pq_per_cat.items():
            self[category_id] += stat
        return self

    def pq_average(self, categories: dict, isthing: bool | None) -> tuple[dict, dict]:
        """Mean PQ/SQ/RQ over the categories seen (``isthing``: only things, only stuff, or all when None),
        with ``n`` the number averaged, and the per-category values."""
        totals, per_class = dict(pq=0.0, sq=0.0, rq=0.0), {}
        n = 0
        for category_id, category in categories.items():
            if isthing is not None and bool(category['isthing']) != isthing:
                continue
            stat = self[category_id]
            if stat.tp + stat.fp + stat.fn == 0:
                per_class[category_id] = dict(pq=0.0, sq=0.0, rq=0.0)
                continue
            n += 1
            denominator = stat.tp + 0.5 * stat.fp + 0.5 * stat.fn
            values = dict(pq=stat.iou / denominator, sq=stat.iou / stat.tp if stat.tp else 0.0,
                          rq=stat.tp / denominator)
            per_class[category_id] = values
            for key in totals:
                totals[key] += values[key]
        averages = {key: value / n if n else 0.0 for key, value in totals.items()}
        return dict(averages, n=n), per_class


def _segment_areas(pan_pred: np.ndarray, pred_segms: dict, categories: dict, image_id) -> None:
    """Set each predicted segment's area from the map, checking the map and its segment list agree."""
    labels, counts = np.unique(pan_pred, return_counts=True)
    unseen = set(pred_segms)
    for label, count in zip(labels.tolist(), counts.tolist()):
        if label not in pred_segms:
            if label == VOID:
                continue
            raise KeyError(f'image {image_id}: segment id {label} is in the predicted PNG but not in its '
                           'segments_info')
        pred_segms[label]['area'] = count
        unseen.discard(label)
        if pred_segms[label]['category_id'] not in categories:
            raise KeyError(f'image {image_id}: predicted segment {label} has unknown category_id '
                           f'{pred_segms[label]["category_id"]}')
    if unseen:
        raise KeyError(f'image {image_id}: segment ids {sorted(unseen)} are in segments_info but not in the '
                       'predicted PNG')


def pq_image_stat(pq_stat: PQStat, pan_gt: np.ndarray, gt_segments: list, pan_pred: np.ndarray,
                  pred_segments: list, categories: dict, image_id=None) -> None:
    """Add one image's matches to ``pq_stat``.

    Args:
        pan_gt, pan_pred: ``H x W`` segment-id maps (0: VOID).
        gt_segments, pred_segments: segment dicts (``id``, ``category_id``; ground truth also ``area`` and
            ``iscrowd``). The predictions' areas are counted from ``pan_pred``.
        categories: category id → category dict (with ``isthing``).
    """
    if pan_gt.shape != pan_pred.shape:
        raise ValueError(f'image {image_id}: the predicted panoptic map is {pan_pred.shape}, the ground truth '
                         f'{pan_gt.shape}; predict at the original image size (rescale=True)')
    gt_segms = {el['id']: el for el in gt_segments}
    pred_segms = {el['id']: dict(el) for el in pred_segments}
    _segment_areas(pan_pred, pred_segms, categories, image_id)
    pairs = pan_gt.astype(np.uint64) * OFFSET + pan_pred.astype(np.uint64)
    labels, counts = np.unique(pairs, return_counts=True)
    overlaps = {(int(label // OFFSET), int(label % OFFSET)): int(count) for label, count in zip(labels, counts)}
    gt_matched, pred_matched = set(), set()
    for (gt_id, pred_id), intersection in overlaps.items():
        gt, pred = gt_segms.get(gt_id), pred_segms.get(pred_id)
        if gt is None or pred is None or gt.get('iscrowd', 0) == 1 or gt['category_id'] != pred['category_id']:
            continue
        union = pred['area'] + gt['area'] - intersection - overlaps.get((VOID, pred_id), 0)
        iou = intersection / union
        if iou > 0.5:
            stat = pq_stat[gt['category_id']]
            stat.tp += 1
            stat.iou += iou
            gt_matched.add(gt_id)
            pred_matched.add(pred_id)
    crowd_of_category = {}
    for gt_id, gt in gt_segms.items():
        if gt_id in gt_matched:
            continue
        if gt.get('iscrowd', 0) == 1:
            crowd_of_category[gt['category_id']] = gt_id
            continue
        pq_stat[gt['category_id']].fn += 1
    for pred_id, pred in pred_segms.items():
        if pred_id in pred_matched:
            continue
        ignored = overlaps.get((VOID, pred_id), 0)
        if pred['category_id'] in crowd_of_category:
            ignored += overlaps.get((crowd_of_category[pred['category_id']], pred_id), 0)
        if ignored / pred['area'] > 0.5:
            continue
        pq_stat[pred['category_id']].fp += 1


def _read_ids(path: str) -> np.ndarray:
    return rgb2id(imread(path, flag='color', channel_order='rgb'))


def pq_compute_single_core(proc_id: int, annotation_set: list, gt_folder: str, pred_folder: str,
                           categories: dict, file_client=None, print_log: bool = False) -> PQStat:
    """PQ statistics of ``(gt_annotation, pred_annotation)`` pairs whose PNGs are in the two folders."""
    pq_stat = PQStat()
    for count, (gt_ann, pred_ann) in enumerate(annotation_set):
        if print_log and count % 100 == 0:
            print(f'Core: {proc_id}, {count} from {len(annotation_set)} images processed')
        pan_gt = _read_ids(osp.join(gt_folder, gt_ann['file_name']))
        pan_pred = _read_ids(osp.join(pred_folder, pred_ann['file_name']))
        pq_image_stat(pq_stat, pan_gt, gt_ann['segments_info'], pan_pred, pred_ann['segments_info'], categories,
                      gt_ann['image_id'])
    return pq_stat


def pq_compute_multi_core(matched_annotations_list: list, gt_folder: str, pred_folder: str, categories: dict,
                          file_client=None, nproc: int = 32) -> PQStat:
    """``pq_compute_single_core`` over ``min(nproc, CPUs, images)`` processes, summed."""
    workers = max(1, min(nproc, multiprocessing.cpu_count(), len(matched_annotations_list)))
    if workers == 1:
        return pq_compute_single_core(0, matched_annotations_list, gt_folder, pred_folder, categories)
    chunks = [matched_annotations_list[i::workers] for i in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        stats = pool.starmap(pq_compute_single_core,
                             [(i, chunk, gt_folder, pred_folder, categories) for i, chunk in enumerate(chunks)])
    total = PQStat()
    for stat in stats:
        total += stat
    return total
