"""LVIS v0.5 and v1 (long-tail instance segmentation, COCO images) with LVIS's federated evaluation."""
from __future__ import annotations

import functools
import json
import os.path as osp
from collections import OrderedDict

from ..utils import load, print_log
from ..utils.errors import ReadableKeyError
from ._coco_eval import classwise_table, evaluate_det_segm
from ._lvis_eval import lvis_evaluate
from .coco import CocoDataset
from .registry import DATASETS

_METRICS = ('bbox', 'segm', 'proposal', 'proposal_fast')


@functools.lru_cache(maxsize=None)
def lvis_classes(version: str) -> tuple:
    """The class names of LVIS ``version`` ('lvis_v0.5': 1230, 'lvis_v1': 1203), in category-id order."""
    with open(osp.join(osp.dirname(__file__), 'lvis_classes.json'), encoding='utf-8') as f:
        return tuple(json.load(f)[version])


@DATASETS.register_module()
class LVISV05Dataset(CocoDataset):
    """LVIS v0.5 (also registered as ``LVISDataset``): images named ``COCO_<split>2014_<id>.jpg`` are read as
    ``<id>.jpg`` (the 2017 file names). ``evaluate`` gives LVIS's metrics: ``<metric>_AP``, ``_AP50``,
    ``_AP75``, ``_APs/m/l``, ``_APr/c/f`` (rare/common/frequent categories), and ``<metric>_mAP_copypaste``;
    no lvis-api is needed."""

    CLASSES = lvis_classes('lvis_v0.5')
    PALETTE = None

    @staticmethod
    def _image_filename(info: dict) -> str:
        name = CocoDataset._image_filename(info)
        return name[-16:] if name.startswith('COCO') else name

    def evaluate(self, results: list, metric='bbox', logger=None, jsonfile_prefix: str | None = None,
                 classwise: bool = False, proposal_nums=(100, 300, 1000), iou_thrs=None) -> OrderedDict:
        """LVIS evaluation of ``'bbox'``/``'segm'`` results; ``'proposal'`` and ``'proposal_fast'`` are
        COCO-style class-agnostic recalls (``AR@N``)."""
        metrics = list(metric) if isinstance(metric, (list, tuple)) else [metric]
        for name in metrics:
            if name not in _METRICS:
                raise ReadableKeyError(f'metric {name} is not supported by {type(self).__name__}; use {_METRICS}')
        self._check_results(results)
        predictions = (self.results2json(results, jsonfile_prefix) if jsonfile_prefix is not None
                       else self._result_dicts(results))
        eval_results = OrderedDict()
        for name in metrics:
            if name.startswith('proposal'):
                proposals = dict(proposal=predictions.get('proposal', predictions.get('bbox', [])))
                eval_results.update(evaluate_det_segm(self, results, proposals, [name], logger,
                                                      proposal_nums=proposal_nums, iou_thrs=iou_thrs))
                continue
            if name not in predictions:
                raise ReadableKeyError(f'{name} is not in results (masks are needed for segm)')
            eval_results.update(self._lvis_metric(name, predictions[name], logger, classwise))
        return eval_results

    def _lvis_metric(self, metric: str, predictions, logger, classwise: bool) -> OrderedDict:
        print_log(f'Evaluating {metric}...' if logger is not None else f'\nEvaluating {metric}...', logger)
        if isinstance(predictions, str):
            predictions = load(predictions)
        summary, coco_eval = lvis_evaluate(self.coco, predictions, metric, self.img_ids, self.cat_ids)
        print_log('\n' + '\n'.join(f'{key:>8} = {value:.3f}' for key, value in summary.items()), logger)
        if classwise:
            print_log('\n' + classwise_table(coco_eval, self), logger)
        out = OrderedDict((f'{metric}_{key}', float(f'{value:.4f}')) for key, value in summary.items()
                          if key.startswith('AP'))
        out[f'{metric}_mAP_copypaste'] = ' '.join(f'{key}:{value:.4f}' for key, value in summary.items()
                                                  if key.startswith('AP'))
        return out


DATASETS.register_module(name='LVISDataset', module=LVISV05Dataset)
LVISDataset = LVISV05Dataset


@DATASETS.register_module()
class LVISV1Dataset(LVISV05Dataset):
    """LVIS v1: each image's file is named by its ``coco_url`` (``<split>2017/<id>.jpg`` under ``img_prefix``)."""

    CLASSES = lvis_classes('lvis_v1')

    @staticmethod
    def _image_filename(info: dict) -> str:
        if 'coco_url' not in info:
            raise ReadableKeyError(f'LVIS v1 image {info.get("id")} has no "coco_url" (its file is named by it); '
                                   'is this an LVIS v0.5 file? Use LVISV05Dataset')
        return info['coco_url'].replace('http://images.cocodataset.org/', '')
