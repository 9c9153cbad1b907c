"""Crash-safe checkpoint files and safe loading.

Writes go to a temporary file in the target directory, are flushed and fsync'ed, then renamed
over the target: a crash (or a full disk) mid-write never damages an existing checkpoint.
Loading uses ``torch.load(weights_only=True)`` with a small allowlist of NumPy types that legacy
checkpoints carry in their meta; arbitrary pickled objects need an explicit opt-in.
"""
from __future__ import annotations

import os
import os.path as osp
import shutil
import warnings
from contextlib import nullcontext
from typing import Any, Callable

import numpy as np
import torch

TRUST_ENV = 'MMLITE_TRUST_CHECKPOINTS'


class CheckpointWriteError(OSError):
    """A checkpoint could not be written; earlier checkpoints are untouched."""


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds objects that safe (weights-only) loading refuses."""


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, write: Callable[[Any], None]) -> None:
    """Call ``write(fileobj)`` on a temporary file and rename it to ``path`` once it is on disk."""
    directory = osp.dirname(osp.abspath(path))
    tmp = f'{path}.tmp.{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise CheckpointWriteError(
                exc.errno, f'could not write {path}: {exc.strerror or exc}. Earlier checkpoints in '
                f'{directory} are intact; free disk space or fix permissions, then resume '
                'from the latest one.') from exc
        raise
    _fsync_dir(directory)


def atomic_torch_save(obj: Any, path: str) -> None:
    """``torch.save`` that never leaves a partial file at ``path``."""
    atomic_write(path, lambda f: torch.save(obj, f))


def update_latest_link(out_dir: str, filename: str, link_name: str = 'latest.pth') -> None:
    """Point ``out_dir/link_name`` at ``filename`` (a relative symlink; a copy where symlinks fail).

    The link is replaced atomically, so it always names a complete checkpoint.
    """
    link = osp.join(out_dir, link_name)
    tmp = f'{link}.tmp.{os.getpid()}'
    try:
        if osp.lexists(tmp):
            os.remove(tmp)
        os.symlink(filename, tmp)
        os.replace(tmp, link)
        return
    except (OSError, NotImplementedError):
        if osp.lexists(tmp):
            os.remove(tmp)
    atomic_write(link, lambda f: _copy_into(osp.join(out_dir, filename), f))


def _copy_into(src: str, dst_file) -> None:
    with open(src, 'rb') as f:
        shutil.copyfileobj(f, dst_file, length=16 * 1024 * 1024)


def _numpy_safe_globals() -> list:
    core = getattr(np, '_core', None) or np.core
    names = [getattr(core.multiarray, '_reconstruct', None), getattr(core.multiarray, 'scalar', None),
             np.ndarray, np.dtype]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        names += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return [n for n in names if n is not None]


def trust_by_default() -> bool:
    """Whether $MMLITE_TRUST_CHECKPOINTS allows full unpickling without asking."""
    return os.environ.get(TRUST_ENV, '').lower() in ('1', 'true', 'yes')


def safe_torch_load(f: Any, map_location: Any = None, weights_only: bool | None = None,
                    source: str = 'checkpoint', mmap: bool = False) -> Any:
    """``torch.load`` with weights-only safety unless the caller (or $MMLITE_TRUST_CHECKPOINTS)
    opts out.

    Args:
        f: A path or a file object.
        map_location: As for ``torch.load``.
        weights_only: None uses weights-only loading unless $MMLITE_TRUST_CHECKPOINTS=1.
        source: Name of the file used in error messages.
        mmap: Map tensor storages lazily instead of reading them (cheap validation).
    """
    extra = {'mmap': True} if mmap else {}
    if weights_only is None:
        weights_only = not trust_by_default()
    if not weights_only:
        return torch.load(f, map_location=map_location, weights_only=False, **extra)
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    context = safe_globals(_numpy_safe_globals()) if safe_globals is not None else nullcontext()
    try:
        with context, warnings.catch_warnings():
            warnings.simplefilter('ignore', FutureWarning)
            return torch.load(f, map_location=map_location, weights_only=True, **extra)
    except Exception as exc:  # noqa: BLE001 - unpickling errors come in several types
        if 'weights_only' not in str(exc) and 'Weights only' not in str(exc):
            raise
        raise UnsafeCheckpointError(
            f'{source} contains Python objects that safe loading (torch.load(weights_only=True)) '
            f'refuses: {exc}. Loading it fully can run arbitrary code. If you trust this file, '
            f'pass weights_only=False to the loading function or set {TRUST_ENV}=1.') from exc
