"""Panoptic results of ``CocoPanopticDataset``: segment lists, PQ over the data set, tables, instance metrics."""
from __future__ import annotations

import itertools
import multiprocessing
import os.path as osp
from types import SimpleNamespace

import numpy as np
from terminaltables import AsciiTable

from ..core.evaluation.panoptic_utils import INSTANCE_OFFSET
from ..utils import print_log
from ..utils.errors import ReadableKeyError
from ._coco_eval import evaluate_det_segm
from .api_wrappers.panoptic_evaluation import VOID, PQStat, pq_image_stat, rgb2id


def pred_segments(pan: np.ndarray, num_classes: int, cat_ids: list, categories: dict) -> tuple[np.ndarray, list]:
    """A predicted ``instance * INSTANCE_OFFSET + label`` map as a segment-id map (VOID pixels, label
    ``num_classes``, become 0) and its COCO panoptic ``segments_info``."""
    pan = np.asarray(pan)
    ids = pan.astype(np.int64)  # a copy: the caller's results stay as they are
    labels, counts = np.unique(ids, return_counts=True)
    segments = []
    for label, count in zip(labels.tolist(), counts.tolist()):
        sem_label = label % INSTANCE_OFFSET
        if sem_label == num_classes:
            ids[pan == label] = VOID
            continue
        if sem_label > num_classes:
            raise ValueError(f'panoptic result holds label {sem_label}, but the data set has {num_classes} classes')
        cat_id = cat_ids[sem_label]
        segments.append(dict(id=int(label), category_id=cat_id, isthing=categories[cat_id]['isthing'],
                             area=int(count)))
    return ids, segments


def _image_stat(categories: dict, items: list) -> PQStat:
    from ..image import imread
    stat = PQStat()
    for gt_file, gt_segments, pred_ids, pred_segs, image_id in items:
        pan_gt = rgb2id(imread(gt_file, flag='color', channel_order='rgb'))
        pq_image_stat(stat, pan_gt, gt_segments, pred_ids, pred_segs, categories, image_id)
    return stat


def _pq_stat(items: list, categories: dict, nproc: int) -> PQStat:
    """Sum of the images' statistics, over up to ``nproc`` processes (one per CPU at most)."""
    workers = max(1, min(nproc, multiprocessing.cpu_count(), len(items) // 8))
    if workers == 1:
        return _image_stat(categories, items)
    with multiprocessing.Pool(workers) as pool:
        stats = pool.starmap(_image_stat, [(categories, items[i::workers]) for i in range(workers)])
    total = PQStat()
    for stat in stats:
        total += stat
    return total


def panoptic_quality(dataset, pan_results: list, logger=None, classwise: bool = False, nproc: int = 32) -> dict:
    """PQ/SQ/RQ (percent) of ``pan_results`` against the data set's PNGs under ``seg_prefix``."""
    if dataset.seg_prefix is None:
        raise ReadableKeyError(f'{type(dataset).__name__}: PQ needs the ground-truth PNGs; set seg_prefix (e.g. '
                               "'annotations/panoptic_val2017/') in the dataset config")
    categories = {cat_id: dataset.categories[cat_id] for cat_id in dataset.cat_ids}
    items = []
    for info, pan in zip(dataset.data_infos, pan_results):
        pred_ids, segments = pred_segments(pan, len(dataset.CLASSES), dataset.cat_ids, dataset.categories)
        items.append((osp.join(dataset.seg_prefix, info['segm_file']), dataset.coco.imgToAnns.get(info['id'], []),
                      pred_ids, segments, info['id']))
    stat = _pq_stat(items, categories, nproc)
    pq_results = {}
    for name, isthing in (('All', None), ('Things', True), ('Stuff', False)):
        pq_results[name], per_class = stat.pq_average(categories, isthing)
        if isthing is None:
            classwise_results = per_class
    names = dict(zip(dataset.cat_ids, dataset.CLASSES))
    print_panoptic_table(pq_results, {names[k]: v for k, v in classwise_results.items()} if classwise else None,
                         logger)
    results = parse_pq_results(pq_results)
    order = ('PQ', 'SQ', 'RQ', 'PQ_th', 'SQ_th', 'RQ_th', 'PQ_st', 'SQ_st', 'RQ_st')
    results['PQ_copypaste'] = ' '.join(f'{results[k]:.3f}' for k in order)
    return results


def parse_pq_results(pq_results: dict) -> dict:
    """``{'PQ', 'SQ', 'RQ', 'PQ_th', ..., 'RQ_st'}`` in percent from ``pq_average``'s All/Things/Stuff."""
    results = {}
    for group, suffix in (('All', ''), ('Things', '_th'), ('Stuff', '_st')):
        for key in ('pq', 'sq', 'rq'):
            results[key.upper() + suffix] = 100 * pq_results[group][key]
    return results


def print_panoptic_table(pq_results: dict, classwise_results: dict | None = None, logger=None) -> None:
    """Log the All/Things/Stuff table (and a per-class one)."""
    rows = [['', 'PQ', 'SQ', 'RQ', 'categories']]
    for name in ('All', 'Things', 'Stuff'):
        rows.append([name] + [f'{pq_results[name][k] * 100:0.3f}' for k in ('pq', 'sq', 'rq')]
                    + [pq_results[name]['n']])
    print_log('Panoptic Evaluation Results:\n' + AsciiTable(rows).table, logger=logger)
    if classwise_results is None:
        return
    flat = list(itertools.chain.from_iterable(
        (name, ) + tuple(f'{metrics[k] * 100:0.3f}' for k in ('pq', 'sq', 'rq'))
        for name, metrics in classwise_results.items()))
    columns = min(8, len(flat))
    table = [['category', 'PQ', 'SQ', 'RQ'] * (columns // 4)]
    table += [list(row) for row in itertools.zip_longest(*[flat[i::columns] for i in range(columns)])]
    print_log('Classwise Panoptic Evaluation Results:\n' + AsciiTable(table).table, logger=logger)


def evaluate_instances(dataset, results: list, metrics: list, logger=None, classwise: bool = False,
                       **kwargs) -> dict:
    """COCO ``bbox``/``segm``/``proposal`` metrics of the results' ``ins_results`` on ``ins_ann_file``."""
    from .coco import CocoDataset, load_coco
    if 'ins_results' not in results[0]:
        raise ReadableKeyError(f'metrics {metrics} need instance results ("ins_results"), which this model does '
                               "not return; evaluate metric='PQ'")
    if dataset.ins_ann_file is None:
        raise ReadableKeyError(f'metrics {metrics} need the COCO instances file of these images: set ins_ann_file '
                               'in the dataset config')
    coco_gt = load_coco(dataset.ins_ann_file)
    thing_names = dataset.CLASSES[:dataset.num_things]
    name_to_id = {cat['name']: cat['id'] for cat in coco_gt.dataset['categories']}
    missing = [name for name in thing_names if name not in name_to_id]
    if missing:
        raise ReadableKeyError(f'{dataset.ins_ann_file}: thing classes {missing} are not among its categories')
    gt = SimpleNamespace(coco=coco_gt, cat_ids=[name_to_id[n] for n in thing_names], img_ids=dataset.img_ids,
                         xyxy2xywh=CocoDataset.xyxy2xywh)
    bbox_json, segm_json = CocoDataset._segm2json(gt, [r['ins_results'] for r in results])
    predictions = dict(bbox=bbox_json, segm=segm_json, proposal=bbox_json)
    return evaluate_det_segm(gt, results, predictions, metrics, logger, classwise, **kwargs)
