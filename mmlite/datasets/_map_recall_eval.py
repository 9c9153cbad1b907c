"""The ``mAP``/``recall`` evaluation shared by ``CustomDataset`` and ``VOCDataset``."""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

from ..core.evaluation import eval_map, eval_recalls
from ..utils import print_log
from ..utils.errors import ReadableKeyError

METRICS = ('mAP', 'recall')


def single_metric(dataset_name: str, metric: str | Sequence[str]) -> str:
    """The one metric of ``metric`` (a name or a one-item list), or a clear error."""
    if not isinstance(metric, str):
        if len(metric) != 1:
            raise ValueError(f'{dataset_name}.evaluate computes one metric per call, got {list(metric)}: '
                             f'evaluate each of them in its own call (e.g. `--eval mAP`, then `--eval recall`)')
        metric = metric[0]
    if metric not in METRICS:
        raise ReadableKeyError(f'{dataset_name}.evaluate: metric {metric!r} is not supported; '
                               f'use one of {list(METRICS)}')
    return metric


def box_results(results: list) -> list:
    """Per-image box results; the box part of ``(bbox, segm)`` pairs from mask models."""
    return [result[0] if isinstance(result, tuple) else result for result in results]


def evaluate_map(results: list, annotations: list, iou_thr: float | Sequence[float], logger=None,
                 move_map_first: bool = False, **map_kwargs) -> OrderedDict:
    """``AP50``-style keys per IoU threshold and their mean as ``mAP``."""
    iou_thrs = [iou_thr] if isinstance(iou_thr, float) else list(iou_thr)
    eval_results = OrderedDict()
    mean_aps = []
    for thr in iou_thrs:
        print_log(f'\n{"-" * 15}iou_thr: {thr}{"-" * 15}', logger=logger)
        mean_ap, _ = eval_map(box_results(results), annotations, iou_thr=thr, logger=logger, **map_kwargs)
        mean_aps.append(mean_ap)
        eval_results[f'AP{int(thr * 100):02d}'] = round(mean_ap, 3)
    eval_results['mAP'] = sum(mean_aps) / len(mean_aps)
    if move_map_first:
        eval_results.move_to_end('mAP', last=False)
    return eval_results


def evaluate_recall(results: list, annotations: list, proposal_nums: Sequence[int],
                    iou_thr: float | Sequence[float], logger=None,
                    use_legacy_coordinate: bool = False) -> OrderedDict:
    """``recall@<num>@<iou>`` per proposal count and IoU, and ``AR@<num>`` for several IoUs."""
    iou_thrs = [iou_thr] if isinstance(iou_thr, float) else list(iou_thr)
    gt_bboxes = [ann['bboxes'] for ann in annotations]
    recalls = eval_recalls(gt_bboxes, box_results(results), proposal_nums, iou_thrs, logger=logger,
                           use_legacy_coordinate=use_legacy_coordinate)
    eval_results = OrderedDict()
    for i, num in enumerate(proposal_nums):
        for j, iou in enumerate(iou_thrs):
            eval_results[f'recall@{num}@{iou}'] = recalls[i, j]
    if recalls.shape[1] > 1:
        for i, num in enumerate(proposal_nums):
            eval_results[f'AR@{num}'] = recalls.mean(axis=1)[i]
    return eval_results
