"""``CustomDataset``: mmdet's middle format and the base of CocoDataset/XMLDataset.

Annotation format (a list of dicts)::

    [{'filename': 'a.jpg', 'width': 1280, 'height': 720,
      'ann': {'bboxes': (n, 4) float32, 'labels': (n,) int64,
              'bboxes_ignore': (k, 4), 'labels_ignore': (k,)}}, ...]
"""
from __future__ import annotations

import os.path as osp
import warnings
from collections import OrderedDict
from typing import Any, Sequence

import numpy as np
from terminaltables import AsciiTable
from torch.utils.data import Dataset

from ..utils import list_from_file, load
from ._map_recall_eval import evaluate_map, evaluate_recall, single_metric
from .pipelines import Compose
from .registry import DATASETS
from .samplers.resumable import sample_random_state


def _join_root(root: str | None, path: str | None) -> str | None:
    if root is None or path is None or osp.isabs(path):
        return path
    return osp.join(root, path)


@DATASETS.register_module()
class CustomDataset(Dataset):
    """A detection dataset in mmdet's middle format.

    Args:
        ann_file: Annotation file.
        pipeline: Processing pipeline (list of config dicts or callables).
        classes: Class names overriding ``CLASSES``: a tuple/list or a text file with one per line.
        data_root: Prefix joined to relative ``ann_file``, ``img_prefix``, ``seg_prefix`` and
            ``proposal_file``.
        img_prefix: Image directory. Defaults to ''.
        seg_prefix: Segmentation map directory. Defaults to None.
        seg_suffix: Segmentation map suffix. Defaults to '.png'.
        proposal_file: Precomputed proposals. Defaults to None.
        test_mode: Keep every image and return test samples. Defaults to False.
        filter_empty_gt: Drop training images without ground truth. Defaults to True.
        file_client_args: Accepted for mmdet compatibility (local disk only).
    """

    CLASSES: tuple | None = None
    PALETTE = None

    def __init__(self, ann_file: str, pipeline: Sequence, classes=None, data_root: str | None = None,
                 img_prefix: str = '', seg_prefix: str | None = None, seg_suffix: str = '.png',
                 proposal_file: str | None = None, test_mode: bool = False,
                 filter_empty_gt: bool = True, file_client_args: dict = dict(backend='disk')):  # noqa: B006
        if file_client_args.get('backend', 'disk') != 'disk':
            raise ValueError(f'{type(self).__name__}: only local files are supported, got '
                             f'file_client_args={file_client_args}')
        self.data_root = data_root
        self.ann_file = _join_root(data_root, ann_file)
        self.img_prefix = _join_root(data_root, img_prefix)
        self.seg_prefix = _join_root(data_root, seg_prefix)
        self.seg_suffix = seg_suffix
        self.proposal_file = _join_root(data_root, proposal_file)
        self.test_mode = test_mode
        self.filter_empty_gt = filter_empty_gt
        self.CLASSES = self.get_classes(classes)
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{type(self).__name__}: annotation file {self.ann_file} does not '
                                    'exist; check ann_file and data_root in the data config')
        self.data_infos = self.load_annotations(self.ann_file)
        self.proposals = self.load_proposals(self.proposal_file) if self.proposal_file is not None else None
        if not test_mode:
            valid_inds = self._filter_imgs()
            self.data_infos = [self.data_infos[i] for i in valid_inds]
            if self.proposals is not None:
                self.proposals = [self.proposals[i] for i in valid_inds]
            self._set_group_flag()
        if len(self.data_infos) == 0:
            raise ValueError(f'{type(self).__name__} from {self.ann_file} is empty'
                             + ('' if test_mode else ' after filtering images without usable annotations '
                                f'(filter_empty_gt={filter_empty_gt}); check classes and the annotation file'))
        self.pipeline = Compose(pipeline)

    def __len__(self) -> int:
        return len(self.data_infos)

    def load_annotations(self, ann_file: str) -> list:
        return load(ann_file)

    def load_proposals(self, proposal_file: str) -> list:
        return load(proposal_file)

    def get_ann_info(self, idx: int) -> dict:
        return self.data_infos[idx]['ann']

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.data_infos[idx]['ann']['labels'].astype(np.int64).tolist()

    def pre_pipeline(self, results: dict) -> None:
        results['img_prefix'] = self.img_prefix
        results['seg_prefix'] = self.seg_prefix
        results['proposal_file'] = self.proposal_file
        results['bbox_fields'] = []
        results['mask_fields'] = []
        results['seg_fields'] = []

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        if self.filter_empty_gt:
            warnings.warn('CustomDataset does not support filtering empty gt images.')
        return [i for i, info in enumerate(self.data_infos) if min(info['width'], info['height']) >= min_size]

    def _set_group_flag(self) -> None:
        """Group 1 for landscape images (w / h > 1), 0 otherwise (aspect-ratio batching)."""
        self.flag = np.array([1 if info['width'] / info['height'] > 1 else 0 for info in self.data_infos],
                             dtype=np.uint8)

    def _rand_another(self, idx: int) -> int:
        pool = np.where(self.flag == self.flag[idx])[0]
        return int(np.random.choice(pool))

    def __getitem__(self, idx: int) -> Any:
        if self.test_mode:
            return self.prepare_test_img(idx)
        with sample_random_state(idx):  # a training sampler's per-sample augmentation seed
            return self._prepare_train_retrying(idx)

    def _prepare_train_retrying(self, idx: int) -> Any:
        for _ in range(len(self) + 10):
            data = self.prepare_train_img(idx)
            if data is not None:
                return data
            idx = self._rand_another(idx)  # a random crop removed every box: try another image
        raise RuntimeError(f'{type(self).__name__}: the pipeline dropped every sample it was given')

    def _results(self, idx: int, with_ann: bool) -> dict:
        results = dict(img_info=self.data_infos[idx])
        if with_ann:
            results['ann_info'] = self.get_ann_info(idx)
        if self.proposals is not None:
            results['proposals'] = self.proposals[idx]
        self.pre_pipeline(results)
        return results

    def prepare_train_img(self, idx: int) -> Any:
        return self.pipeline(self._results(idx, with_ann=True))

    def prepare_test_img(self, idx: int) -> Any:
        return self.pipeline(self._results(idx, with_ann=False))

    @classmethod
    def get_classes(cls, classes=None):
        """Class names: ``CLASSES``, or ``classes`` as a tuple/list or a file of names."""
        if classes is None:
            return cls.CLASSES
        if isinstance(classes, str):
            return list_from_file(classes)
        if isinstance(classes, (tuple, list)):
            return classes
        raise ValueError(f'Unsupported type {type(classes)} of classes.')

    def get_cat2imgs(self) -> dict:
        cat2imgs = {i: [] for i in range(len(self.CLASSES))}
        for i in range(len(self)):
            for cat in set(self.get_cat_ids(i)):
                cat2imgs[cat].append(i)
        return cat2imgs

    def format_results(self, results, **kwargs):
        """Placeholder for dataset-specific output formats."""

    def evaluate(self, results: list, metric: str | list = 'mAP', logger=None,
                 proposal_nums: Sequence[int] = (100, 300, 1000), iou_thr: float | list = 0.5,
                 scale_ranges: list | None = None) -> OrderedDict:
        """VOC-style ``mAP`` (``AP50`` etc. per ``iou_thr``) or proposal ``recall``."""
        metric = single_metric(type(self).__name__, metric)
        annotations = [self.get_ann_info(i) for i in range(len(self))]
        if metric == 'mAP':
            return evaluate_map(results, annotations, iou_thr, logger, scale_ranges=scale_ranges,
                                dataset=self.CLASSES)
        return evaluate_recall(results, annotations, proposal_nums, iou_thr, logger)

    def __repr__(self) -> str:
        mode = 'Test' if self.test_mode else 'Train'
        text = f'\n{self.__class__.__name__} {mode} dataset with number of images {len(self)}, '
        if self.CLASSES is None:
            return text + 'and no class names.'
        counts = np.zeros(len(self.CLASSES) + 1, dtype=int)
        for i in range(len(self)):
            labels = self.get_ann_info(i)['labels']
            if len(labels):
                counts[:-1] += np.bincount(labels, minlength=len(self.CLASSES))
            else:
                counts[-1] += 1
        rows = [['category', 'count'] * 5]
        flat = [[f'{i} [{name}]', f'{counts[i]}'] for i, name in enumerate(self.CLASSES)]
        flat.append(['-1 background', f'{counts[-1]}'])
        cells = [c for pair in flat for c in pair]
        for start in range(0, len(cells), 10):
            rows.append(cells[start:start + 10])
        return text + 'instance counts: \n' + AsciiTable(rows).table
