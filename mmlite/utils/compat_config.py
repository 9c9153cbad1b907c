"""``compat_cfg``: bring configs written for older mmdet 2.x releases to the 2.28 layout.

Each translation warns once and never edits the caller's config (a copy is returned).
"""
from __future__ import annotations

import copy
import warnings

from .config import ConfigDict
from .errors import ReadableKeyError

_LOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def compat_cfg(cfg):
    """A copy of ``cfg`` with ``runner``, ``samples_per_gpu`` and per-split loader settings filled in."""
    cfg = copy.deepcopy(cfg)
    cfg = compat_imgs_per_gpu(cfg)
    cfg = compat_loader_args(cfg)
    return compat_runner_args(cfg)


def compat_runner_args(cfg):
    """``total_epochs=N`` (before mmdet 2.10) becomes ``runner=dict(type='EpochBasedRunner', max_epochs=N)``."""
    if 'runner' not in cfg:
        if 'total_epochs' not in cfg:
            raise ReadableKeyError('the config sets neither runner=dict(type=..., max_epochs=...) nor the legacy '
                                   'total_epochs; add runner=dict(type="EpochBasedRunner", max_epochs=12)')
        cfg.runner = ConfigDict(type='EpochBasedRunner', max_epochs=cfg.total_epochs)
        warnings.warn('config is missing "runner"; built runner=dict(type="EpochBasedRunner", '
                      f'max_epochs={cfg.total_epochs}) from total_epochs', UserWarning)
    elif 'total_epochs' in cfg and cfg.total_epochs != cfg.runner.get('max_epochs'):
        raise ValueError(f'total_epochs={cfg.total_epochs} disagrees with runner.max_epochs='
                         f'{cfg.runner.get("max_epochs")}; keep only runner.max_epochs')
    return cfg


def compat_imgs_per_gpu(cfg):
    """``data.imgs_per_gpu`` (mmdet 1.x/early 2.x) becomes ``data.samples_per_gpu``."""
    data = cfg.data
    if 'imgs_per_gpu' in data:
        warnings.warn('"imgs_per_gpu" is deprecated since mmdet 2.0; it is used as "samples_per_gpu" '
                      f'({data.imgs_per_gpu}). Please rename it in the config.', UserWarning)
        if 'samples_per_gpu' in data and data.samples_per_gpu != data.imgs_per_gpu:
            warnings.warn(f'data.samples_per_gpu={data.samples_per_gpu} is overridden by '
                          f'data.imgs_per_gpu={data.imgs_per_gpu}', UserWarning)
        data.samples_per_gpu = data.pop('imgs_per_gpu')
    return cfg


def _move(src: dict, key: str, dst: dict, where: str) -> None:
    if key in dst:
        raise ValueError(f'{key} is set both in {where} and in the matching *_dataloader dict; keep one')
    dst[key] = src.pop(key)


def compat_loader_args(cfg):
    """Move ``data.samples_per_gpu``/``workers_per_gpu``/``persistent_workers`` (and mmlite's
    ``pin_memory``/``prefetch_factor``) and the splits' ``samples_per_gpu`` into
    ``data.{train,val,test}_dataloader`` (mmdet 2.24+ layout)."""
    data = cfg.data
    for key in _LOADER_KEYS:
        if key not in data:
            data[key] = ConfigDict()
    for key in ('samples_per_gpu', 'persistent_workers'):
        if key in data:
            _move(data, key, data.train_dataloader, f'data.{key}')
    for shared in ('workers_per_gpu', 'pin_memory', 'prefetch_factor'):  # every loader
        if shared in data:
            value = data.pop(shared)
            for key in _LOADER_KEYS:
                data[key].setdefault(shared, value)
    if isinstance(data.get('val'), dict) and 'samples_per_gpu' in data.val:
        _move(data.val, 'samples_per_gpu', data.val_dataloader, 'data.val')
    test = data.get('test')
    if isinstance(test, dict) and 'samples_per_gpu' in test:
        _move(test, 'samples_per_gpu', data.test_dataloader, 'data.test')
    elif isinstance(test, list) and any('samples_per_gpu' in t for t in test):
        if 'samples_per_gpu' in data.test_dataloader:
            raise ValueError('samples_per_gpu is set both in data.test[...] and data.test_dataloader; keep one')
        data.test_dataloader.samples_per_gpu = max(t.pop('samples_per_gpu', 1) for t in test)
    return cfg
