"""COCO evaluation of CocoDataset results with pycocotools (mmdet 2.x keys and tables)."""
from __future__ import annotations

import contextlib
import io
import itertools
import logging
from collections import OrderedDict

import numpy as np
from pycocotools.cocoeval import COCOeval
from terminaltables import AsciiTable

from ..core.evaluation import eval_recalls
from ..utils import load, print_log
from ..utils.errors import ReadableKeyError
from .api_wrappers import COCO

COCO_METRIC_NAMES = {
    'mAP': 0, 'mAP_50': 1, 'mAP_75': 2, 'mAP_s': 3, 'mAP_m': 4, 'mAP_l': 5, 'AR@100': 6, 'AR@300': 7,
    'AR@1000': 8, 'AR_s@1000': 9, 'AR_m@1000': 10, 'AR_l@1000': 11
}


@contextlib.contextmanager
def quiet_coco():
    """Keep pycocotools' progress prints off the console."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def coco_from_dict(data: dict) -> COCO:
    """A COCO index of an annotation dict (``images``, ``annotations``, ``categories``), built quietly."""
    coco = COCO()
    coco.dataset = data
    with quiet_coco():
        coco.createIndex()
    return coco


def fast_eval_recall(dataset, results: list, proposal_nums, iou_thrs, logger=None) -> np.ndarray:
    """Average recall of proposals per proposal count (mmdet's ``proposal_fast``)."""
    gt_bboxes = []
    for img_id in dataset.img_ids:
        anns = dataset.coco.loadAnns(dataset.coco.getAnnIds(imgIds=img_id))
        boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                 for a in anns if not a.get('ignore', False) and not a.get('iscrowd', False)]
        gt_bboxes.append(np.array(boxes, dtype=np.float32).reshape(-1, 4))
    recalls = eval_recalls(gt_bboxes, results, proposal_nums, iou_thrs, logger=logger)
    return recalls.mean(axis=1)


def classwise_table(coco_eval: COCOeval, dataset) -> str:
    """Per-category AP (area all, the largest maxDets) as an AsciiTable, three pairs per row."""
    precisions = coco_eval.eval['precision']  # (iou, recall, cls, area range, max dets)
    rows = []
    for idx, cat_id in enumerate(dataset.cat_ids):
        precision = precisions[:, :, idx, 0, -1]
        precision = precision[precision > -1]
        ap = float(np.mean(precision)) if precision.size else float('nan')
        rows.append((dataset.coco.loadCats(cat_id)[0]['name'], f'{ap:0.3f}'))
    num_columns = min(6, len(rows) * 2)
    flat = list(itertools.chain(*rows))
    table = [['category', 'AP'] * (num_columns // 2)]
    table += list(itertools.zip_longest(*[flat[i::num_columns] for i in range(num_columns)]))
    return AsciiTable(table).table


def _summarize(coco_eval: COCOeval, logger) -> None:
    coco_eval.evaluate()
    coco_eval.accumulate()
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        coco_eval.summarize()
    print_log('\n' + captured.getvalue(), logger=logger)


def _check_items(metric_items) -> list | None:
    if metric_items is None:
        return None
    items = metric_items if isinstance(metric_items, list) else [metric_items]
    for item in items:
        if item not in COCO_METRIC_NAMES:
            raise ReadableKeyError(f'metric item {item} is not supported; use {list(COCO_METRIC_NAMES)}')
    return items


def _load_predictions(source: str | list, iou_type: str) -> list:
    """Result dicts from a JSON file, or given in memory."""
    predictions = load(source) if isinstance(source, str) else source
    if iou_type == 'segm':
        # with boxes present pycocotools sizes instances by box area instead of mask area
        for item in predictions:
            item.pop('bbox', None)
    return predictions


def evaluate_det_segm(dataset, results: list, result_files: dict, metrics: list, logger=None,
                      classwise: bool = False, proposal_nums=(100, 300, 1000), iou_thrs=None,
                      metric_items=None) -> OrderedDict:
    """Run COCOeval for each metric and collect mmdet-named results (``result_files`` maps each
    kind to a JSON file or to the result dicts themselves)."""
    if iou_thrs is None:
        iou_thrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
    metric_items = _check_items(metric_items)
    eval_results = OrderedDict()
    for metric in metrics:
        print_log(f'Evaluating {metric}...' if logger is not None else f'\nEvaluating {metric}...', logger)
        if metric == 'proposal_fast':
            if isinstance(results[0], tuple):
                raise ReadableKeyError('proposal_fast is not supported for instance segmentation result.')
            ar = fast_eval_recall(dataset, results, proposal_nums, iou_thrs, logger='silent')
            for i, num in enumerate(proposal_nums):
                eval_results[f'AR@{num}'] = ar[i]
            print_log(''.join(f'\nAR@{num}\t{ar[i]:.4f}' for i, num in enumerate(proposal_nums)), logger)
            continue
        iou_type = 'bbox' if metric == 'proposal' else metric
        if metric not in result_files:
            raise ReadableKeyError(f'{metric} is not in results')
        predictions = _load_predictions(result_files[metric], iou_type)
        if not predictions:
            print_log('The testing results of the whole dataset is empty.', logger, level=logging.ERROR)
            break
        coco_det = dataset.coco.loadRes(predictions)
        coco_eval = COCOeval(dataset.coco, coco_det, iou_type)
        coco_eval.params.catIds = dataset.cat_ids
        coco_eval.params.imgIds = dataset.img_ids
        coco_eval.params.maxDets = list(proposal_nums)
        coco_eval.params.iouThrs = iou_thrs
        if metric == 'proposal':
            coco_eval.params.useCats = 0
            _summarize(coco_eval, logger)
            for item in metric_items or ['AR@100', 'AR@300', 'AR@1000', 'AR_s@1000', 'AR_m@1000', 'AR_l@1000']:
                eval_results[item] = float(f'{coco_eval.stats[COCO_METRIC_NAMES[item]]:.3f}')
            continue
        _summarize(coco_eval, logger)
        if classwise:
            print_log('\n' + classwise_table(coco_eval, dataset), logger)
        for item in metric_items or ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l']:
            eval_results[f'{metric}_{item}'] = float(f'{coco_eval.stats[COCO_METRIC_NAMES[item]]:.3f}')
        ap = coco_eval.stats[:6]
        eval_results[f'{metric}_mAP_copypaste'] = ' '.join(f'{v:.3f}' for v in ap)
    return eval_results
