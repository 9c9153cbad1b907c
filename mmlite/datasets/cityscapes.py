"""``CityscapesDataset``: Cityscapes instances in COCO format, with COCO and Cityscapes metrics."""
from __future__ import annotations

import contextlib
import glob
import json
import os
import os.path as osp
from collections import OrderedDict

import numpy as np
import pycocotools.mask as mask_utils

from ..core.evaluation.class_names import cityscapes_classes
from ..image import imwrite
from ..utils import print_log
from .coco import CocoDataset, output_prefix
from .registry import DATASETS

# Cityscapes' label ids of its eight instance classes (cityscapesscripts.helpers.labels)
CITYSCAPES_LABEL_IDS = {'person': 24, 'rider': 25, 'car': 26, 'truck': 27, 'bus': 28, 'train': 31,
                        'motorcycle': 32, 'bicycle': 33}
_NEEDS_CSSCRIPTS = ('the "cityscapes" metric needs cityscapesscripts: pip install cityscapesscripts '
                    '(or mmlite[cityscapes])')


def _flat_instances(result) -> tuple[np.ndarray, list, list, list]:
    """Boxes, labels, masks and mask scores of one image's ``(bbox_result, segm_result)``."""
    bbox_result, segm_result = result
    bboxes = np.vstack(bbox_result) if len(bbox_result) else np.zeros((0, 5), np.float32)
    labels = [label for label, boxes in enumerate(bbox_result) for _ in range(len(boxes))]
    if isinstance(segm_result, tuple):  # (masks, mask scores), e.g. Mask Scoring R-CNN
        masks = [m for per_class in segm_result[0] for m in per_class]
        scores = [s for per_class in segm_result[1] for s in per_class]
    else:
        masks = [m for per_class in segm_result for m in per_class]
        scores = bboxes[:, -1].tolist()
    return bboxes, labels, masks, scores


class _NumpyWithIn1d:
    """NumPy plus ``in1d`` (removed in NumPy 2.4), lent to cityscapesscripts' evaluation, which still calls it."""

    @staticmethod
    def in1d(ar1, ar2, **kwargs) -> np.ndarray:
        return np.isin(ar1, ar2, **kwargs).ravel()

    def __getattr__(self, name: str):
        return getattr(np, name)


@contextlib.contextmanager
def _modern_numpy_for(cs_eval, result_dir: str):
    """Run cityscapesscripts' instance evaluation (2.2-2.3) under NumPy 2: lend it ``np.in1d`` and write its JSON
    files with NumPy scalars as numbers, its scratch ``matches.json`` under ``result_dir`` instead of the
    working directory; restored afterwards."""
    saved = cs_eval.np, cs_eval.writeDict2JSON

    def write_json(data, file_name: str) -> None:
        path = file_name if osp.isabs(file_name) else osp.join(result_dir, file_name)
        with open(path, 'w') as f:
            json.dump(data, f, default=lambda o: o.item() if isinstance(o, np.generic) else o.__dict__,
                      sort_keys=True, indent=4)

    if not hasattr(cs_eval.np, 'in1d'):
        cs_eval.np = _NumpyWithIn1d()
    cs_eval.writeDict2JSON = write_json
    try:
        yield
    finally:
        cs_eval.np, cs_eval.writeDict2JSON = saved


def _binary_mask(mask) -> np.ndarray:
    return (mask_utils.decode(mask) if isinstance(mask, dict) else np.asarray(mask)).astype(np.uint8)


@DATASETS.register_module()
class CityscapesDataset(CocoDataset):
    """Cityscapes' eight instance classes, from the COCO-format files of mmdet's converter (each image
    carries its ``segm_file``). ``evaluate`` offers the COCO metrics and ``'cityscapes'`` (mAP and AP@50
    by cityscapesscripts' instance-level evaluation)."""

    CLASSES = tuple(cityscapes_classes())
    PALETTE = [(220, 20, 60), (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100), (0, 80, 100), (0, 0, 230),
               (119, 11, 32)]

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        """As ``CocoDataset``'s, and with ``filter_empty_gt`` also drops images whose annotations are all crowd."""
        valid = super()._filter_imgs(min_size)
        if not self.filter_empty_gt:
            return valid
        valid = [i for i in valid if not all(
            ann.get('iscrowd', 0) for ann in self.coco.imgToAnns[self.data_infos[i]['id']])]
        self.img_ids = [self.data_infos[i]['id'] for i in valid]
        return valid

    def _parse_ann_info(self, img_info: dict, ann_info: list) -> dict:
        ann = super()._parse_ann_info(img_info, ann_info)
        ann['seg_map'] = img_info.get('segm_file', ann['seg_map'])
        return ann

    def results2txt(self, results: list, outfile_prefix: str) -> list[str]:
        """Write Cityscapes' submission format: per image ``<prefix>/<name>_pred.txt`` listing one
        ``<name>_<i>_<class>.png`` binary mask, Cityscapes label id and score per instance."""
        os.makedirs(outfile_prefix, exist_ok=True)
        files = []
        for info, result in zip(self.data_infos, results):
            name = osp.splitext(osp.basename(info['filename']))[0]
            bboxes, labels, masks, scores = _flat_instances(result)
            if not len(bboxes) == len(labels) == len(masks) == len(scores):
                raise ValueError(f'{name}: {len(bboxes)} boxes but {len(masks)} masks in its result')
            lines = []
            for i, (label, mask, score) in enumerate(zip(labels, masks, scores)):
                class_name = self.CLASSES[label]
                png = f'{name}_{i}_{class_name}.png'
                imwrite(_binary_mask(mask), osp.join(outfile_prefix, png))
                lines.append(f'{png} {CITYSCAPES_LABEL_IDS[class_name]} {score}\n')
            files.append(osp.join(outfile_prefix, f'{name}_pred.txt'))
            with open(files[-1], 'w') as f:
                f.writelines(lines)
        return files

    def format_results(self, results: list, txtfile_prefix: str | None = None, **kwargs):
        """Write the submission files (under a temporary directory when no prefix is given); returns
        ``(txt files, tmp_dir or None)``."""
        self._check_results(results)
        txtfile_prefix, tmp_dir = output_prefix(txtfile_prefix)
        return self.results2txt(results, txtfile_prefix), tmp_dir

    def evaluate(self, results: list, metric='bbox', logger=None, outfile_prefix: str | None = None,
                 classwise: bool = False, proposal_nums=(100, 300, 1000), iou_thrs=None, **kwargs) -> dict:
        """``'cityscapes'`` (``mAP``, ``AP@50``; files under ``outfile_prefix`` when given) and COCO's
        ``'bbox'``, ``'segm'``, ``'proposal'``, ``'proposal_fast'`` (``<outfile_prefix>.<kind>.json``)."""
        metrics = list(metric) if isinstance(metric, (list, tuple)) else [metric]
        eval_results = OrderedDict()
        if 'cityscapes' in metrics:
            eval_results.update(self._evaluate_cityscapes(results, outfile_prefix, logger))
            metrics.remove('cityscapes')
        if metrics:
            eval_results.update(super().evaluate(results, metrics, logger, outfile_prefix, classwise,
                                                 proposal_nums, iou_thrs, **kwargs))
        return eval_results

    def _evaluate_cityscapes(self, results: list, txtfile_prefix: str | None, logger) -> dict:
        try:
            import cityscapesscripts.evaluation.evalInstanceLevelSemanticLabeling as cs_eval
        except ImportError as exc:
            raise ImportError(_NEEDS_CSSCRIPTS) from exc
        gt_search = osp.join(self.img_prefix.replace('leftImg8bit', 'gtFine'), '*', '*_gtFine_instanceIds.png')
        gt_files = sorted(glob.glob(gt_search))
        if not gt_files:
            raise FileNotFoundError(f'no Cityscapes ground truth matches {gt_search}: the "cityscapes" metric '
                                    'reads gtFine/<split>/<city>/*_gtFine_instanceIds.png beside leftImg8bit/')
        print_log('Evaluating in Cityscapes style', logger=logger)
        self._check_results(results)
        result_dir, tmp_dir = output_prefix(txtfile_prefix)
        self.results2txt(results, result_dir)
        args = cs_eval.args
        args.cityscapesPath = osp.join(self.img_prefix, '..', '..')
        args.predictionPath, args.predictionWalk = osp.abspath(result_dir), None
        args.JSONOutput, args.colorized = False, False
        args.gtInstancesFile = osp.join(result_dir, 'gtInstances.json')
        args.groundTruthSearch = gt_search
        try:
            with _modern_numpy_for(cs_eval, result_dir):
                predictions = [cs_eval.getPrediction(gt, args) for gt in gt_files]
                averages = cs_eval.evaluateImgLists(predictions, gt_files, args)['averages']
        finally:
            if tmp_dir is not None:
                tmp_dir.cleanup()
        return OrderedDict([('mAP', averages['allAp']), ('AP@50', averages['allAp50%'])])
