"""``MultiImageMixDataset``: a dataset wrapper whose pipeline may mix several images (Mosaic, MixUp)."""
from __future__ import annotations

import collections.abc
import copy

from ..utils import build_from_cfg
from .registry import DATASETS, PIPELINES
from .samplers.resumable import sample_random_state


def _check_type_keys(keys, name: str):
    if keys is not None and not all(isinstance(key, str) for key in keys):
        raise TypeError(f'{name} must be transform type names (str), got {keys!r}')
    return keys


@DATASETS.register_module()
class MultiImageMixDataset:
    """Each item: the wrapped dataset's item through ``pipeline``; a transform with ``get_indexes`` first
    gets the extra images it asks for in ``results['mix_results']``. Transforms named in ``skip_type_keys``
    are skipped (``YOLOXModeSwitchHook`` switches the mixing off for the last epochs). A transform (or the
    extra images' loading) that returns None is retried up to ``max_refetch`` times.

    Args:
        dataset: The wrapped dataset, loading images and annotations only.
        pipeline: Transform configs.
        dynamic_scale: Removed in mmdet 2.x (an error); resize in the pipeline.
        skip_type_keys: Transform types to skip.
        max_refetch: Retries of a transform returning None.
    """

    def __init__(self, dataset, pipeline, dynamic_scale=None, skip_type_keys=None, max_refetch: int = 15):
        if dynamic_scale is not None:
            raise ValueError('MultiImageMixDataset: dynamic_scale is no longer supported; put a Resize in the '
                             'pipeline instead')
        if not isinstance(pipeline, collections.abc.Sequence) or not all(isinstance(t, dict) for t in pipeline):
            raise TypeError(f'MultiImageMixDataset pipeline must be a list of transform configs, got {pipeline!r}')
        self._skip_type_keys = _check_type_keys(skip_type_keys, 'skip_type_keys')
        self.pipeline_types = [transform['type'] for transform in pipeline]
        self.pipeline = [build_from_cfg(transform, PIPELINES) for transform in pipeline]
        self.dataset = dataset
        self.CLASSES = dataset.CLASSES
        self.PALETTE = getattr(dataset, 'PALETTE', None)
        if hasattr(dataset, 'flag'):
            self.flag = dataset.flag
        self.num_samples = len(dataset)
        self.max_refetch = max_refetch

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, idx):
        with sample_random_state(idx):  # a training sampler's per-sample seed covers the mixing draws too
            results = copy.deepcopy(self.dataset[int(idx)])
            for transform, transform_type in zip(self.pipeline, self.pipeline_types):
                if self._skip_type_keys is not None and transform_type in self._skip_type_keys:
                    continue
                if hasattr(transform, 'get_indexes'):
                    results['mix_results'] = self._mix_results(transform)
                results = self._apply(transform, transform_type, results)
                results.pop('mix_results', None)
            return results

    def _mix_results(self, transform) -> list:
        for _ in range(self.max_refetch):
            indexes = transform.get_indexes(self.dataset)
            if not isinstance(indexes, collections.abc.Sequence):
                indexes = [indexes]
            mix_results = [copy.deepcopy(self.dataset[index]) for index in indexes]
            if None not in mix_results:
                return mix_results
        raise RuntimeError(f'MultiImageMixDataset: the wrapped dataset returned None for every one of '
                           f'{self.max_refetch} draws of extra images; check its loading pipeline')

    def _apply(self, transform, transform_type: str, results: dict) -> dict:
        for _ in range(self.max_refetch):
            updated = transform(copy.deepcopy(results))
            if updated is not None:
                return updated
        raise RuntimeError(f'MultiImageMixDataset: {transform_type} returned None {self.max_refetch} times in a '
                           'row; check the pipeline (e.g. FilterAnnotations dropping every box)')

    def update_skip_type_keys(self, skip_type_keys) -> None:
        """Skip the transforms of these types from now on."""
        self._skip_type_keys = _check_type_keys(skip_type_keys, 'skip_type_keys')

    def get_ann_info(self, idx: int) -> dict:
        return self.dataset.get_ann_info(idx)

    def get_cat_ids(self, idx: int) -> list:
        return self.dataset.get_cat_ids(idx)
