"""``build_dataset`` and ``build_dataloader`` (mmdet 2.x behaviour)."""
from __future__ import annotations

import copy
import warnings
from functools import partial

from torch.utils.data import DataLoader

from ..parallel import collate
from ..runner.dist_utils import get_dist_info
from ..utils import build_from_cfg, worker_init_fn
from ..utils.errors import ReadableKeyError
from .dataset_wrappers import ClassBalancedDataset, ConcatDataset, RepeatDataset
from .multi_image_mix import MultiImageMixDataset
from .registry import DATASETS, PIPELINES  # noqa: F401
from .samplers import (ClassAwareSampler, DistributedGroupSampler, DistributedSampler, GroupSampler,
                       InfiniteBatchSampler, InfiniteGroupBatchSampler)


def _concat_dataset(cfg: dict, default_args: dict | None = None) -> ConcatDataset:
    cfg = dict(cfg)
    ann_files = cfg['ann_file']
    separate_eval = cfg.pop('separate_eval', True)
    datasets = []
    for i, ann_file in enumerate(ann_files):
        data_cfg = copy.deepcopy(cfg)
        data_cfg['ann_file'] = ann_file
        for key in ('img_prefix', 'seg_prefix', 'proposal_file'):
            if isinstance(cfg.get(key), (list, tuple)):
                data_cfg[key] = cfg[key][i]
        datasets.append(build_dataset(data_cfg, default_args))
    return ConcatDataset(datasets, separate_eval)


def build_dataset(cfg, default_args: dict | None = None):
    """Build a dataset from a config dict; a list of configs (or of ``ann_file``s) is concatenated,
    and ``ConcatDataset``/``RepeatDataset``/``ClassBalancedDataset`` wrap the configs they hold."""
    if isinstance(cfg, (list, tuple)):
        return ConcatDataset([build_dataset(c, default_args) for c in cfg])
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ReadableKeyError(f'a dataset config needs a "type" (e.g. CocoDataset), got {cfg!r}')
    kind = cfg['type']
    if kind == 'ConcatDataset':
        return ConcatDataset([build_dataset(c, default_args) for c in cfg['datasets']],
                             cfg.get('separate_eval', True))
    if kind == 'RepeatDataset':
        return RepeatDataset(build_dataset(cfg['dataset'], default_args), cfg['times'])
    if kind == 'MultiImageMixDataset':  # the wrapped dataset is built without default_args, as mmdet
        args = {k: v for k, v in cfg.items() if k not in ('type', 'dataset')}
        return MultiImageMixDataset(build_dataset(cfg['dataset']), **args)
    if kind == 'ClassBalancedDataset':
        return ClassBalancedDataset(build_dataset(cfg['dataset'], default_args), cfg['oversample_thr'],
                                    cfg.get('filter_empty_gt', True))
    if isinstance(cfg.get('ann_file'), (list, tuple)):
        return _concat_dataset(cfg, default_args)
    if isinstance(kind, str) and DATASETS.get(kind) is None:
        raise ReadableKeyError(DATASETS.missing_message(kind, 'data.*.type'))
    return build_from_cfg(cfg, DATASETS, default_args)


def _samplers(dataset, samples_per_gpu: int, batch_size: int, dist: bool, shuffle: bool, seed,
              runner_type: str) -> tuple:
    rank, world_size = get_dist_info()
    if runner_type == 'IterBasedRunner':
        if shuffle:
            batch_sampler = InfiniteGroupBatchSampler(dataset, batch_size, world_size, rank, seed=seed)
        else:
            batch_sampler = InfiniteBatchSampler(dataset, batch_size, world_size, rank, seed=seed, shuffle=False)
        return None, batch_sampler
    if dist:
        if shuffle:
            return DistributedGroupSampler(dataset, samples_per_gpu, world_size, rank, seed=seed), None
        return DistributedSampler(dataset, world_size, rank, shuffle=False, seed=seed), None
    return (GroupSampler(dataset, samples_per_gpu, seed=seed) if shuffle else None), None


def build_dataloader(dataset, samples_per_gpu: int, workers_per_gpu: int, num_gpus: int = 1,
                     dist: bool = True, shuffle: bool = True, seed: int | None = None,
                     runner_type: str = 'EpochBasedRunner', persistent_workers: bool = False,
                     class_aware_sampler: dict | None = None, **kwargs) -> DataLoader:
    """A DataLoader as mmdet 2.x builds it.

    Training loaders group images by aspect ratio (GroupSampler / DistributedGroupSampler, or an
    endless grouped batch sampler for IterBasedRunner); batches are collated with mmcv's
    DataContainer-aware ``collate``.

    Args:
        dataset: The dataset.
        samples_per_gpu: Images per process (per GPU).
        workers_per_gpu: Loader workers per process.
        num_gpus: GPUs of a non-distributed (DataParallel) run. Defaults to 1.
        dist: Distributed run. Defaults to True.
        shuffle: Shuffle (grouped). Defaults to True.
        seed: Seed of samplers and workers. Defaults to None.
        runner_type: 'EpochBasedRunner' or 'IterBasedRunner'.
        persistent_workers: Keep workers between epochs (needs workers_per_gpu > 0).
        class_aware_sampler: ``dict(num_sample_class=...)`` to train with ``ClassAwareSampler``.
        **kwargs: More DataLoader arguments (``pin_memory``, ``prefetch_factor``...).
    """
    for key, value, least in (('samples_per_gpu', samples_per_gpu, 1), ('workers_per_gpu', workers_per_gpu, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f'build_dataloader: {key} (data.{key} in a config) must be an integer >= {least}, '
                             f'got {value!r}')
    batch_size = samples_per_gpu if dist else num_gpus * samples_per_gpu
    num_workers = workers_per_gpu if dist else num_gpus * workers_per_gpu
    sampler, batch_sampler = _samplers(dataset, samples_per_gpu, batch_size, dist, shuffle, seed, runner_type)
    if class_aware_sampler is not None and batch_sampler is None:  # (as mmdet: not with IterBasedRunner)
        rank, world_size = get_dist_info()
        sampler = ClassAwareSampler(dataset, samples_per_gpu, world_size, rank, seed=seed,
                                    num_sample_class=class_aware_sampler.get('num_sample_class', 1))
    if batch_sampler is not None:
        batch_size = 1
    rank, _ = get_dist_info()
    init_fn = partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed) if seed is not None else None
    if persistent_workers and num_workers == 0:
        warnings.warn('persistent_workers needs workers_per_gpu > 0; ignored')
        persistent_workers = False
    if num_workers == 0:
        kwargs.pop('prefetch_factor', None)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      batch_sampler=batch_sampler, collate_fn=partial(collate, samples_per_gpu=samples_per_gpu),
                      pin_memory=kwargs.pop('pin_memory', False), worker_init_fn=init_fn,
                      persistent_workers=persistent_workers, **kwargs)
