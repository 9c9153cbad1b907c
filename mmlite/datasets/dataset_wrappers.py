"""``ConcatDataset``, ``RepeatDataset`` and ``ClassBalancedDataset`` (mmdet names)."""
from __future__ import annotations

import bisect
import math
from collections import defaultdict

import numpy as np
from torch.utils.data.dataset import ConcatDataset as _ConcatDataset

from ..utils import print_log
from .multi_image_mix import MultiImageMixDataset  # noqa: F401
from .registry import DATASETS
from .samplers.resumable import same_seed


@DATASETS.register_module()
class ConcatDataset(_ConcatDataset):
    """Concatenate datasets (``CLASSES`` from the first); evaluates each separately by default.

    Args:
        datasets: The datasets.
        separate_eval: Evaluate each dataset on its own (keys prefixed ``<i>_``). Defaults to True.
    """

    def __init__(self, datasets, separate_eval: bool = True):
        super().__init__(datasets)
        self.CLASSES = datasets[0].CLASSES
        self.PALETTE = getattr(datasets[0], 'PALETTE', None)
        self.separate_eval = separate_eval
        if not separate_eval:
            self._check_joint_eval()
        if hasattr(datasets[0], 'flag'):
            self.flag = np.concatenate([ds.flag for ds in datasets])

    def _check_joint_eval(self) -> None:
        from .coco import CocoDataset
        if any(isinstance(ds, CocoDataset) for ds in self.datasets):
            raise NotImplementedError('Evaluating concatenated CocoDataset as a whole is not supported! '
                                      'Please set "separate_eval=True"')
        if len({type(ds) for ds in self.datasets}) != 1:
            raise NotImplementedError('All the datasets should have same types')

    def _locate(self, idx: int) -> tuple[int, int]:
        if idx < 0:
            if -idx > len(self):
                raise ValueError('absolute value of index should not exceed dataset length')
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return dataset_idx, sample_idx

    def __getitem__(self, idx: int):
        d, s = self._locate(idx)
        return self.datasets[d][same_seed(idx, s)]

    def get_cat_ids(self, idx: int) -> list[int]:
        d, s = self._locate(idx)
        return self.datasets[d].get_cat_ids(s)

    def get_ann_info(self, idx: int) -> dict:
        d, s = self._locate(idx)
        return self.datasets[d].get_ann_info(s)

    def evaluate(self, results: list, logger=None, **kwargs) -> dict:
        if len(results) != self.cumulative_sizes[-1]:
            raise ValueError(f'Dataset and results have different sizes: {self.cumulative_sizes[-1]} '
                             f'v.s. {len(results)}')
        for dataset in self.datasets:
            if not hasattr(dataset, 'evaluate'):
                raise TypeError(f'{type(dataset)} does not implement evaluate function')
        if not self.separate_eval:
            self._check_joint_eval()
            first = self.datasets[0]
            original = first.data_infos
            first.data_infos = sum([ds.data_infos for ds in self.datasets], [])
            try:
                return first.evaluate(results, logger=logger, **kwargs)
            finally:
                first.data_infos = original
        total = {}
        start = 0
        for i, (end, dataset) in enumerate(zip(self.cumulative_sizes, self.datasets)):
            print_log(f'\nEvaluating {getattr(dataset, "ann_file", i)} with {end - start} images now', logger)
            for key, value in dataset.evaluate(results[start:end], logger=logger, **kwargs).items():
                total[f'{i}_{key}'] = value
            start = end
        return total


@DATASETS.register_module()
class RepeatDataset:
    """Repeat ``dataset`` ``times`` times (fewer, longer epochs for small datasets)."""

    def __init__(self, dataset, times: int):
        self.dataset, self.times = dataset, times
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        if hasattr(dataset, 'flag'):
            self.flag = np.tile(dataset.flag, times)
        self._ori_len = len(dataset)

    def __getitem__(self, idx: int):
        return self.dataset[same_seed(idx, idx % self._ori_len)]

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.dataset.get_cat_ids(idx % self._ori_len)

    def get_ann_info(self, idx: int) -> dict:
        return self.dataset.get_ann_info(idx % self._ori_len)

    def __len__(self) -> int:
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset:
    """Repeat images of rare categories (LVIS-style repeat factor sampling).

    Each image is repeated ``ceil(r(I))`` times, ``r(I) = max over its categories c of
    max(1, sqrt(oversample_thr / f(c)))`` with ``f(c)`` the fraction of images containing ``c``.
    """

    def __init__(self, dataset, oversample_thr: float, filter_empty_gt: bool = True):
        self.dataset, self.oversample_thr, self.filter_empty_gt = dataset, oversample_thr, filter_empty_gt
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        factors = self._get_repeat_factors(dataset, oversample_thr)
        self.repeat_indices = [i for i, f in enumerate(factors) for _ in range(math.ceil(f))]
        if hasattr(dataset, 'flag'):
            self.flag = np.asarray([flag for flag, f in zip(dataset.flag, factors)
                                    for _ in range(math.ceil(f))], dtype=np.uint8)

    def _cats(self, idx: int) -> set:
        cats = set(self.dataset.get_cat_ids(idx))
        return {len(self.CLASSES)} if not cats and not self.filter_empty_gt else cats

    def _get_repeat_factors(self, dataset, repeat_thr: float) -> list[float]:
        freq: dict = defaultdict(int)
        for idx in range(len(dataset)):
            for cat in self._cats(idx):
                freq[cat] += 1
        repeat = {cat: max(1.0, math.sqrt(repeat_thr / (n / len(dataset)))) for cat, n in freq.items()}
        return [max((repeat[c] for c in self._cats(idx)), default=1) for idx in range(len(dataset))]

    def __getitem__(self, idx: int):
        return self.dataset[same_seed(idx, self.repeat_indices[idx])]

    def get_ann_info(self, idx: int) -> dict:
        return self.dataset.get_ann_info(self.repeat_indices[idx])

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.dataset.get_cat_ids(self.repeat_indices[idx])

    def __len__(self) -> int:
        return len(self.repeat_indices)
