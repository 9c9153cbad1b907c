"""COCO with the occluded / separated mask recalls of "A Tri-Layer Plugin to Improve Occluded Detection"
(Zhan, Xie and Zisserman, BMVC 2022, https://arxiv.org/abs/2210.10046).

Occluded COCO and Separated COCO are subsets of COCO val2017's instances, published by the authors as
pickled lists with one entry per object: ``[file_name, class_name, _, bbox, rle_mask]``. An object
counts as recalled when a detection of its class scoring at least ``score_thr`` overlaps its mask with
IoU >= ``iou_thr``.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from pycocotools import mask as mask_utils
from terminaltables import AsciiTable

from ..utils import download_to_cache, load_data_pickle, print_log
from .coco import CocoDataset
from .custom import _join_root
from .registry import DATASETS

OCCLUDED_COCO_URL = 'https://www.robots.ox.ac.uk/~vgg/research/tpod/datasets/occluded_coco.pkl'
SEPARATED_COCO_URL = 'https://www.robots.ox.ac.uk/~vgg/research/tpod/datasets/separated_coco.pkl'


def load_occlusion_annotations(path: str) -> list:
    """The ``[file_name, class_name, _, bbox, rle]`` entries of an occluded/separated COCO file.

    ``path`` is a local ``.pkl`` file or an ``http(s)://`` URL (cached in the torch hub directory,
    ``datasets/``). The file is unpickled without running code: only data types are accepted.
    """
    if path.startswith(('http://', 'https://')):
        path = download_to_cache(path, osp.join(torch.hub.get_dir(), 'datasets'))
    if not osp.isfile(path):
        raise FileNotFoundError(f'occluded/separated COCO annotation file {path} does not exist; download '
                                f'{OCCLUDED_COCO_URL} and {SEPARATED_COCO_URL} and pass their paths as '
                                'occluded_ann and separated_ann')
    entries = load_data_pickle(path)
    if not isinstance(entries, list) or any(not isinstance(e, (list, tuple)) or len(e) < 5 for e in entries):
        raise ValueError(f'{path}: expected a list of [file_name, class_name, _, bbox, rle_mask] entries')
    return entries


def _as_rle(mask) -> dict:
    if isinstance(mask, dict):
        return mask
    return mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))


def masks_by_image_and_class(dataset: CocoDataset, results: list, score_thr: float) -> dict:
    """``{file_name: {class_name: [rle, ...]}}`` of the detections scoring at least ``score_thr``."""
    detections: dict = {}
    for info, result in zip(dataset.data_infos, results):
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError('occluded/separated recall needs (bbox_results, segm_results) per image, from an '
                            f'instance segmentation model; got {type(result).__name__} for {info["filename"]}')
        bboxes, segms = result
        segms = segms[0] if isinstance(segms, tuple) else segms  # (masks, mask scores)
        per_class = detections.setdefault(info['filename'], {})
        for label, (class_boxes, class_masks) in enumerate(zip(bboxes, segms)):
            if len(class_boxes) != len(class_masks):
                raise ValueError(f'{info["filename"]}, class {dataset.CLASSES[label]}: {len(class_boxes)} '
                                 f'boxes but {len(class_masks)} masks')
            kept = [_as_rle(m) for box, m in zip(class_boxes, class_masks) if box[4] >= score_thr]
            per_class.setdefault(dataset.CLASSES[label], []).extend(kept)
    return detections


def count_recalled(detections: dict, entries: list, iou_thr: float) -> int:
    """How many ``entries`` have a detection of their class with mask IoU >= ``iou_thr``."""
    recalled = 0
    for file_name, class_name, _, _, gt_mask, *_ in entries:
        if file_name not in detections:
            raise KeyError(f'image {file_name} of the occluded/separated annotations is not in the dataset: '
                           'use the COCO val2017 annotation file they were made from')
        candidates = detections[file_name].get(class_name, [])
        if candidates:
            ious = mask_utils.iou(candidates, [gt_mask], [0])
            recalled += bool((np.asarray(ious) >= iou_thr).any())
    return recalled


@DATASETS.register_module()
class OccludedSeparatedCocoDataset(CocoDataset):
    """COCO evaluation plus the recall of Occluded COCO and Separated COCO masks (mmdet 2.28 names).

    Args:
        occluded_ann: The occluded objects' ``.pkl`` file (path, relative to ``data_root`` when that is
            set, or URL). Defaults to the authors' URL.
        separated_ann: The separated objects' file, likewise.
        *args, **kwargs: As :class:`CocoDataset`.
    """

    def __init__(self, *args, occluded_ann: str = OCCLUDED_COCO_URL, separated_ann: str = SEPARATED_COCO_URL,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.occluded_ann = load_occlusion_annotations(self._resolve(occluded_ann))
        self.separated_ann = load_occlusion_annotations(self._resolve(separated_ann))

    def _resolve(self, path: str) -> str:
        return path if path.startswith(('http://', 'https://')) else _join_root(self.data_root, path)

    def evaluate(self, results: list, metric=[], score_thr: float = 0.3, iou_thr: float = 0.75,  # noqa: B006
                 **kwargs) -> dict:
        """COCO ``metric`` (none by default) plus ``occluded_recall`` and ``separated_recall`` in percent."""
        metrics = super().evaluate(results, metric=metric, **kwargs) if metric else {}
        metrics.update(self.evaluate_occluded_separated(results, score_thr, iou_thr, kwargs.get('logger')))
        return metrics

    def evaluate_occluded_separated(self, results: list, score_thr: float = 0.3, iou_thr: float = 0.75,
                                    logger=None) -> dict:
        """The recall (percent) of the occluded and of the separated objects; prints a table."""
        self._check_results(results)
        detections = masks_by_image_and_class(self, results, score_thr)
        rows, recalls = [['mask type', 'recall', 'num correct']], {}
        for kind, entries in (('occluded', self.occluded_ann), ('separated', self.separated_ann)):
            correct = count_recalled(detections, entries, iou_thr)
            recalls[f'{kind}_recall'] = correct / len(entries) * 100 if entries else 0.0
            rows.append([kind, f'{recalls[f"{kind}_recall"]:.2f}%', correct])
        print_log('\n' + AsciiTable(rows).table, logger=logger)
        return recalls
