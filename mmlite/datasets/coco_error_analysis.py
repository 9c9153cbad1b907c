"""COCO error analysis (after Hoiem et al. and Detectron): the precision-recall curve after forgiving each kind
of error in turn, for ``tools/analysis_tools/coco_error_analysis.py``.

Steps (first axis of :func:`error_precisions`'s array): C75 and C50 (PR at IoU .75 and .5), Loc (IoU .1:
localisation errors forgiven), Sim (confusions within the supercategory forgiven), Oth (all class confusions
forgiven), BG (background false positives forgiven), FN (everything found).
"""
from __future__ import annotations

from multiprocessing import Pool

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from ._coco_eval import coco_from_dict, quiet_coco

ERROR_TYPES = ['C75', 'C50', 'Loc', 'Sim', 'Oth', 'BG', 'FN']
AREA_NAMES = ['allarea', 'small', 'medium', 'large']


def _precision(gt: COCO, dt: COCO, iou_type: str, iou_thrs: list, areas, cat_ids=None) -> tuple:
    """COCOeval's precision array (and the evaluator) at ``iou_thrs``, 100 detections per image."""
    evaluator = COCOeval(gt, dt, iou_type)
    evaluator.params.imgIds = gt.getImgIds()
    evaluator.params.iouThrs = np.array(iou_thrs)
    evaluator.params.maxDets = [100]
    if cat_ids is not None:
        evaluator.params.catIds = cat_ids
    if areas:
        evaluator.params.areaRng = [[0, areas[2]], [0, areas[0]], [areas[0], areas[1]], [areas[1], areas[2]]]
    with quiet_coco():
        evaluator.evaluate()
        evaluator.accumulate()
    return evaluator.eval['precision'], evaluator


def category_precisions(coco_gt: COCO, coco_dt: COCO, cat_id: int, iou_type: str, areas=None) -> tuple:
    """PR of one class at IoU .1 with confusions inside its supercategory forgiven, then with all forgiven.

    Forgiven ground truth of other classes becomes an ignored crowd region of this class (a detection on it
    is neither true nor false positive), as in mmdet 2.x. Only this class is evaluated.
    """
    supercategory = coco_gt.loadCats(cat_id)[0]['supercategory']
    same_super = set(coco_gt.getCatIds(supNms=[supercategory]))
    detections = [dict(ann) for ann in coco_dt.dataset['annotations'] if ann['category_id'] == cat_id]
    results = []
    for forgiven in (same_super, None):
        annotations = []
        for ann in coco_gt.dataset['annotations']:
            if ann['category_id'] == cat_id:
                annotations.append(dict(ann))
            elif forgiven is None or ann['category_id'] in forgiven:
                annotations.append(dict(ann, ignore=1, iscrowd=1, category_id=cat_id))
        gt = coco_from_dict(dict(coco_gt.dataset, annotations=annotations))
        dt = coco_from_dict(dict(coco_dt.dataset, annotations=detections))
        precision, _ = _precision(gt, dt, iou_type, [0.1], areas, cat_ids=[cat_id])
        results.append(precision[0, :, 0])
    return tuple(results)


def error_precisions(coco_gt: COCO, coco_dt: COCO, iou_type: str, areas=None, nproc: int = 1) -> tuple:
    """``(recall thresholds, precision (7 x R x K x A x 1) per error step, the evaluator at .75/.5/.1)``."""
    gt = coco_from_dict(dict(coco_gt.dataset, annotations=[dict(a) for a in coco_gt.dataset['annotations']]))
    precision, evaluator = _precision(gt, coco_dt, iou_type, [0.75, 0.5, 0.1], areas)
    steps = np.concatenate([precision, np.zeros((4, ) + precision.shape[1:])])
    cat_ids = coco_gt.getCatIds()
    jobs = [(coco_gt, coco_dt, cat_id, iou_type, areas) for cat_id in cat_ids]
    if nproc > 1:
        with Pool(min(nproc, len(jobs))) as pool:
            per_class = pool.starmap(category_precisions, jobs)
    else:
        per_class = [category_precisions(*job) for job in jobs]
    for k, (supercategory_forgiven, all_forgiven) in enumerate(per_class):
        steps[3, :, k], steps[4, :, k] = supercategory_forgiven, all_forgiven
    steps[steps == -1] = 0
    steps[5] = steps[4] > 0
    steps[6] = 1.0
    return evaluator.params.recThrs, steps, evaluator


def gt_counts_per_area(evaluator: COCOeval) -> dict:
    """Ground-truth instances that count (not ignored) in each area range."""
    labels = {str(list(rng)): label for rng, label in zip(evaluator.params.areaRng, evaluator.params.areaRngLbl)}
    counts = dict.fromkeys(evaluator.params.areaRngLbl, 0)
    for record in evaluator.evalImgs:
        if record:
            counted = ~np.asarray(record['gtIgnore'], dtype=bool)
            counts[labels[str(list(record['aRng']))]] += int(np.count_nonzero(counted))
    return counts
