"""LVIS's federated evaluation (the lvis-api's LVISEval numbers) on pycocotools' COCOeval.

LVIS annotates each image exhaustively only for some categories. Its protocol, expressed in COCOeval's terms:
detections of a category neither present in the image nor listed in its ``neg_category_ids`` are dropped;
unmatched detections of a category in its ``not_exhaustive_category_ids`` are ignored (here: matched to a
whole-image crowd region of that category, which COCOeval ignores); at most ``max_dets`` (300) detections per
image, the best-scoring, before the category filter; AP also per frequency group (rare, common, frequent).
"""
from __future__ import annotations

import copy
from collections import OrderedDict, defaultdict

import numpy as np
import pycocotools.mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from ._coco_eval import coco_from_dict, quiet_coco

AREA_NAMES = ('all', 'small', 'medium', 'large')
FREQUENCIES = ('r', 'c', 'f')


def _limit_per_image(predictions: list, max_dets: int) -> list:
    by_image = defaultdict(list)
    for pred in predictions:
        by_image[pred['image_id']].append(pred)
    kept = []
    for preds in by_image.values():
        kept.extend(sorted(preds, key=lambda p: p['score'], reverse=True)[:max_dets])
    return kept


def _federated_predictions(gt: COCO, predictions: list, max_dets: int) -> list:
    """The best ``max_dets`` per image, then only those of categories present in or absent from the image."""
    present = defaultdict(set)
    for ann in gt.dataset['annotations']:
        present[ann['image_id']].add(ann['category_id'])
    negative = {img['id']: set(img.get('neg_category_ids', ())) for img in gt.dataset['images']}
    return [copy.copy(p) for p in _limit_per_image(predictions, max_dets)
            if p['category_id'] in present[p['image_id']] or p['category_id'] in negative.get(p['image_id'], ())]


def _federated_gt(gt: COCO) -> COCO:
    """``gt`` plus one whole-image crowd region per image and not-exhaustively annotated category."""
    annotations = [dict(ann, iscrowd=0) for ann in gt.dataset['annotations']]
    next_id = max((ann['id'] for ann in annotations), default=0) + 1
    for img in gt.dataset['images']:
        if not img.get('not_exhaustive_category_ids'):
            continue
        height, width = img['height'], img['width']
        rle = mask_utils.encode(np.ones((height, width), dtype=np.uint8, order='F'))
        rle['counts'] = rle['counts'].decode()
        for cat_id in img['not_exhaustive_category_ids']:
            annotations.append(dict(id=next_id, image_id=img['id'], category_id=cat_id, iscrowd=1,
                                    area=float(height * width), bbox=[0, 0, width, height], segmentation=rle))
            next_id += 1
    return coco_from_dict(dict(gt.dataset, annotations=annotations))


def _without_annotations(gt: COCO) -> COCO:
    return coco_from_dict(dict(gt.dataset, annotations=[]))


def _mean_valid(values: np.ndarray) -> float:
    valid = values[values > -1]
    return float(np.mean(valid)) if valid.size else -1.0


def _summary(coco_eval: COCOeval, frequencies: list, max_dets: int) -> OrderedDict:
    precision, recall = coco_eval.eval['precision'][..., 0], coco_eval.eval['recall'][..., 0]  # one maxDets
    iou_index = {round(float(t), 2): i for i, t in enumerate(coco_eval.params.iouThrs)}
    results = OrderedDict(AP=_mean_valid(precision[..., 0]))
    results['AP50'] = _mean_valid(precision[iou_index[0.5], :, :, 0])
    results['AP75'] = _mean_valid(precision[iou_index[0.75], :, :, 0])
    for area in (1, 2, 3):
        results[f'AP{AREA_NAMES[area][0]}'] = _mean_valid(precision[..., area])
    for group in FREQUENCIES:
        cats = [i for i, freq in enumerate(frequencies) if freq == group]
        results[f'AP{group}'] = _mean_valid(precision[:, :, cats, 0])
    results[f'AR@{max_dets}'] = _mean_valid(recall[..., 0])
    for area in (1, 2, 3):
        results[f'AR{AREA_NAMES[area][0]}@{max_dets}'] = _mean_valid(recall[..., area])
    return results


def lvis_evaluate(gt: COCO, predictions: list, iou_type: str, img_ids: list, cat_ids: list,
                  max_dets: int = 300) -> tuple[OrderedDict, COCOeval]:
    """LVIS metrics (``AP``, ``AP50``, ``AP75``, ``APs/m/l``, ``APr/c/f``, ``AR@300``, ``ARs/m/l@300``) of COCO
    result dicts against an LVIS-format index, and the COCOeval holding the per-category precisions."""
    federated = _federated_gt(gt)
    predictions = _federated_predictions(gt, predictions, max_dets)
    if iou_type == 'segm':  # sized by their masks
        for pred in predictions:
            pred.pop('bbox', None)
    with quiet_coco():
        detections = federated.loadRes(predictions) if predictions else _without_annotations(federated)
        coco_eval = COCOeval(federated, detections, iou_type)
        coco_eval.params.imgIds, coco_eval.params.catIds = list(img_ids), list(cat_ids)
        coco_eval.params.maxDets = [max_dets]
        coco_eval.evaluate()
        coco_eval.accumulate()
    frequencies = [gt.cats[cat_id].get('frequency') for cat_id in cat_ids]
    return _summary(coco_eval, frequencies, max_dets), coco_eval
