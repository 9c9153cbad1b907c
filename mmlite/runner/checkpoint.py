"""Saving and loading checkpoints in mmcv's layout: ``{'meta', 'state_dict', 'optimizer'}``."""
from __future__ import annotations

import glob
import logging
import os
import os.path as osp
import re
import time
import warnings
import zipfile
from collections import OrderedDict
from typing import Any

import torch
from torch.optim import Optimizer

from ..parallel import is_module_wrapper
from ..utils import print_log
from ..utils.errors import ReadableKeyError
from ..version import __version__
from ._checkpoint_io import atomic_torch_save, safe_torch_load
from .checkpoint_loader import CheckpointLoader, load_from_http, load_from_local  # noqa: F401
from .dist_utils import get_dist_info

__all__ = [
    'CheckpointLoader', 'load_state_dict', 'get_state_dict', 'weights_to_cpu', 'save_checkpoint',
    'load_checkpoint', '_load_checkpoint', '_load_checkpoint_with_prefix', 'find_latest_checkpoint'
]


def _unwrap(module: torch.nn.Module) -> torch.nn.Module:
    while is_module_wrapper(module):
        module = module.module
    return module


def load_state_dict(module: torch.nn.Module, state_dict: dict, strict: bool = False,
                    logger: logging.Logger | None = None) -> dict:
    """Load ``state_dict`` into ``module`` (wrappers unwrapped), reporting mismatches.

    Missing keys (except BN ``num_batches_tracked``), unexpected keys and shape mismatches are
    reported together; ``strict`` turns the report into a RuntimeError. Entries whose shape does
    not match are skipped rather than crashing the load.

    Returns:
        ``dict(missing_keys=..., unexpected_keys=..., shape_mismatch=...)``.
    """
    module = _unwrap(module)
    own = module.state_dict()
    mismatched = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state_dict.items()
                  if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    skip = {k for k, _, _ in mismatched}
    filtered = OrderedDict((k, v) for k, v in state_dict.items() if k not in skip)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        filtered._metadata = metadata
    result = module.load_state_dict(filtered, strict=False)
    missing = [k for k in result.missing_keys if 'num_batches_tracked' not in k and k not in skip]
    report = dict(missing_keys=missing, unexpected_keys=list(result.unexpected_keys),
                  shape_mismatch=mismatched)
    messages = []
    if report['unexpected_keys']:
        messages.append(f'unexpected key in source state_dict: {", ".join(report["unexpected_keys"])}')
    if missing:
        messages.append(f'missing keys in source state_dict: {", ".join(missing)}')
    if mismatched:
        messages.append('size mismatch (checkpoint vs model, not loaded): ' + ', '.join(
            f'{k} {src} vs {dst}' for k, src, dst in mismatched))
    if messages and get_dist_info()[0] == 0:
        text = 'The model and loaded state dict do not match exactly\n\n' + '\n'.join(messages)
        if strict:
            raise RuntimeError(text)
        print_log(text, logger=logger, level=logging.WARNING)
    return report


def get_state_dict(module: torch.nn.Module, destination: OrderedDict | None = None, prefix: str = '',
                   keep_vars: bool = False) -> OrderedDict:
    """The module's state dict with every module wrapper (also nested ones) unwrapped."""
    module = _unwrap(module)
    wrapper_prefixes = [name + '.module.' for name, m in module.named_modules()
                        if name and is_module_wrapper(m)]
    state = module.state_dict(keep_vars=keep_vars)
    out = OrderedDict() if destination is None else destination
    for key, value in state.items():
        for wp in sorted(wrapper_prefixes, key=len, reverse=True):
            if key.startswith(wp):
                key = wp[:-len('module.')] + key[len(wp):]
        out[prefix + key] = value
    metadata = getattr(state, '_metadata', None)
    if metadata is not None and destination is None:
        out._metadata = metadata
    return out


def weights_to_cpu(state_dict: dict) -> OrderedDict:
    """A copy of ``state_dict`` with every tensor on the CPU."""
    cpu = OrderedDict((k, v.cpu() if isinstance(v, torch.Tensor) else v) for k, v in state_dict.items())
    cpu._metadata = getattr(state_dict, '_metadata', OrderedDict())
    return cpu


def _optimizer_state(optimizer: Any) -> Any:
    if isinstance(optimizer, Optimizer):
        return optimizer.state_dict()
    if isinstance(optimizer, dict):
        return {name: optim.state_dict() for name, optim in optimizer.items()}
    raise TypeError(f'optimizer must be an Optimizer or a dict of them, got {type(optimizer)}')


def save_checkpoint(model: torch.nn.Module, filename: str, optimizer: Any = None,
                    meta: dict | None = None, file_client_args: dict | None = None,
                    extra: dict | None = None) -> None:
    """Save ``model`` (unwrapped, tensors on CPU), ``optimizer`` state and ``meta`` atomically.

    Args:
        model: The model.
        filename: Target file; written via a temporary file and a rename.
        optimizer: An optimizer or a dict of them. Defaults to None.
        meta: Metadata; ``mmlite_version`` and ``time`` are added (and ``CLASSES`` from the model).
        file_client_args: Accepted for mmcv compatibility; only local paths are supported.
        extra: More top-level entries (mmlite's exact-resume state).
    """
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise TypeError(f'meta must be a dict or None, but got {type(meta)}')
    if file_client_args is not None and file_client_args.get('backend', 'disk') != 'disk':
        raise ValueError(f'only local checkpoints are supported, got file_client_args={file_client_args}')
    meta.update(mmlite_version=__version__, time=time.asctime())
    model = _unwrap(model)
    if getattr(model, 'CLASSES', None) is not None:
        meta.update(CLASSES=model.CLASSES)
    checkpoint = {'meta': meta, 'state_dict': weights_to_cpu(get_state_dict(model))}
    if optimizer is not None:
        checkpoint['optimizer'] = _optimizer_state(optimizer)
    if extra:
        checkpoint.update(extra)
    os.makedirs(osp.dirname(osp.abspath(filename)), exist_ok=True)  # as mmcv's disk backend
    atomic_torch_save(checkpoint, filename)


def _load_checkpoint(filename: str, map_location: Any = None, logger: Any = None,
                     weights_only: bool | None = None) -> Any:
    """Load a checkpoint (any registered scheme) without applying it to a model."""
    return CheckpointLoader.load_checkpoint(filename, map_location, logger, weights_only=weights_only)


def _load_checkpoint_with_prefix(prefix: str, filename: str, map_location: Any = None) -> dict:
    """The entries of a checkpoint's state dict under ``prefix``, with the prefix removed."""
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    state_dict = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if state_dict is None:
        raise RuntimeError(f'No state_dict found in checkpoint file {filename}')
    if not prefix.endswith('.'):
        prefix += '.'
    selected = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not selected:
        raise ReadableKeyError(f'{prefix} is not in the pretrained model {filename}')
    return selected


def load_checkpoint(model: torch.nn.Module, filename: str, map_location: Any = None,
                    strict: bool = False, logger: logging.Logger | None = None,
                    revise_keys: list = [(r'^module\.', '')],  # noqa: B006 - mmcv's signature
                    weights_only: bool | None = None) -> dict:
    """Load a checkpoint into ``model``.

    Args:
        model: The model (wrappers allowed).
        filename: Local path, URL, ``torchvision://name`` or ``open-mmlab://name``.
        map_location: As for ``torch.load``.
        strict: Raise on any key or shape mismatch. Defaults to False.
        logger: Where mismatches are reported.
        revise_keys: ``(pattern, replacement)`` regexes applied to keys. Defaults to stripping a
            leading ``module.``.
        weights_only: Safe loading (default unless $MMLITE_TRUST_CHECKPOINTS=1); pass False only
            for files you trust.

    Returns:
        The loaded checkpoint dict.
    """
    checkpoint = _load_checkpoint(filename, map_location, logger, weights_only=weights_only)
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'No state_dict found in checkpoint file {filename}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict((re.sub(pattern, replacement, k), v) for k, v in state_dict.items())
    state_dict._metadata = metadata
    load_state_dict(model, state_dict, strict, logger)
    return checkpoint


_CKPT_NUMBER = re.compile(r'_(\d+)\.[^.]+$')


def is_valid_checkpoint(path: str) -> tuple[bool, str]:
    """Whether ``path`` is a complete checkpoint (a readable zip archive with ``meta`` and
    ``state_dict``); also returns the reason when it is not."""
    if not osp.isfile(path):
        return False, 'not a file'
    if not zipfile.is_zipfile(path):
        return False, 'not a complete zip archive (truncated or corrupt)'
    try:
        ckpt = safe_torch_load(path, map_location='cpu', source=path, mmap=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is invalid
        return False, f'unreadable ({type(exc).__name__}: {exc})'
    if not isinstance(ckpt, dict) or 'state_dict' not in ckpt or 'meta' not in ckpt:
        return False, 'missing "meta" or "state_dict"'
    return True, ''


def find_latest_checkpoint(path: str, suffix: str = 'pth') -> str | None:
    """The newest valid checkpoint in ``path``: ``latest.<suffix>`` if valid, else the most
    recently written valid ``*_<N>.<suffix>`` (ties: the largest N), so ``iter_<N>.pth`` saved on
    preemption and ``epoch_<M>.pth`` compare correctly. Invalid candidates are skipped with a
    warning naming the file and why."""
    if not osp.exists(path):
        warnings.warn(f'The path of checkpoints {path} does not exist.')
        return None
    candidates = []
    latest = osp.join(path, f'latest.{suffix}')
    if osp.lexists(latest):
        candidates.append(latest)
    numbered = []
    for ckpt in glob.glob(osp.join(path, f'*.{suffix}')):
        match = _CKPT_NUMBER.search(osp.basename(ckpt))
        if match and not osp.basename(ckpt).startswith('best_'):
            numbered.append((osp.getmtime(ckpt), int(match.group(1)), ckpt))
    candidates += [c for _, _, c in sorted(numbered, reverse=True)]
    if not candidates:
        warnings.warn(f'There are no checkpoints in the path {path}.')
        return None
    for ckpt in candidates:
        ok, reason = is_valid_checkpoint(ckpt)
        if ok:
            return ckpt
        warnings.warn(f'skipping checkpoint {ckpt}: {reason}; trying an older one')
    warnings.warn(f'no valid checkpoint in {path}')
    return None
