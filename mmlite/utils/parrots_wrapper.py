"""mmcv.utils' torch aliases and helpers (``_BatchNorm``, ``SyncBatchNorm``, ``DataLoader``, ``jit``...).

mmcv switched these between PyTorch and parrots; here they are PyTorch's own classes, so
``isinstance(m, _BatchNorm)`` in code written for mmcv behaves the same.
"""
from __future__ import annotations

import functools
import os
import random
import subprocess
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import SyncBatchNorm
from torch.nn.modules import conv as _conv
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd
from torch.nn.modules.instancenorm import _InstanceNorm
from torch.nn.modules.pooling import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
from torch.utils.data import DataLoader

PoolDataLoader = DataLoader
# a private torch name: fall back to its successor should a torch release drop it
_ConvTransposeMixin = getattr(_conv, '_ConvTransposeMixin', _conv._ConvTransposeNd)
TORCH_VERSION = torch.__version__
IS_CUDA_AVAILABLE = torch.cuda.is_available()
IS_MPS_AVAILABLE = bool(getattr(torch.backends, 'mps', None) and torch.backends.mps.is_available())
IS_NPU_AVAILABLE = IS_MLU_AVAILABLE = IS_IPU_AVAILABLE = False

__all__ = [
    'SyncBatchNorm', '_BatchNorm', '_ConvNd', '_ConvTransposeMixin', '_InstanceNorm', '_AdaptiveAvgPoolNd',
    '_AdaptiveMaxPoolNd', '_AvgPoolNd', '_MaxPoolNd', 'DataLoader', 'PoolDataLoader', 'TORCH_VERSION',
    'IS_CUDA_AVAILABLE', 'IS_MPS_AVAILABLE', 'IS_NPU_AVAILABLE', 'IS_MLU_AVAILABLE', 'IS_IPU_AVAILABLE',
    'get_build_config', 'is_rocm_pytorch', 'torch_meshgrid', 'is_jit_tracing', 'jit', 'skip_no_elena', 'load_url',
    'worker_init_fn', 'get_git_hash'
]


def get_build_config() -> str:
    """How this torch was built (``torch.__config__.show()``)."""
    return torch.__config__.show()


def is_rocm_pytorch() -> bool:
    return getattr(torch.version, 'hip', None) is not None


def _get_cuda_home() -> str | None:
    from torch.utils.cpp_extension import CUDA_HOME, ROCM_HOME
    return ROCM_HOME if is_rocm_pytorch() else CUDA_HOME


def torch_meshgrid(*tensors: torch.Tensor) -> tuple:
    """``torch.meshgrid`` with matrix ('ij') indexing and no deprecation warning."""
    return torch.meshgrid(*tensors, indexing='ij')


def is_jit_tracing() -> bool:
    return torch.jit.is_tracing()


def jit(func: Callable | None = None, check_input=None, full_shape: bool = True, derivate: bool = False,
        coderize: bool = False, optimize: bool = False) -> Callable:
    """parrots' JIT decorator: does nothing on PyTorch (usable with or without arguments)."""
    if func is None:
        return lambda f: f
    return func


def skip_no_elena(func: Callable) -> Callable:
    """parrots' test decorator: does nothing on PyTorch."""
    return func


@functools.wraps(torch.hub.load_state_dict_from_url)
def load_url(url: str, model_dir: str | None = None, map_location: Any = None, progress: bool = True,
             check_hash: bool = False, file_name: str | None = None, weights_only: bool = False) -> dict:
    return torch.hub.load_state_dict_from_url(url, model_dir=model_dir, map_location=map_location,
                                              progress=progress, check_hash=check_hash, file_name=file_name,
                                              weights_only=weights_only)


def worker_init_fn(worker_id: int, num_workers: int, rank: int, seed: int) -> None:
    """Seed NumPy, ``random`` and torch in a loader worker with ``num_workers * rank + worker_id +
    seed`` (a module-level function, so loaders pickle under the spawn start method)."""
    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed % 2**32)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)


def get_git_hash(fallback: str = 'unknown', digits: int | None = None) -> str:
    """The commit of the git repository around the current directory (``fallback`` outside one)."""
    if digits is not None and not isinstance(digits, int):
        raise TypeError('digits must be None or an integer')
    try:
        out = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=10,
                             env={**os.environ, 'LANGUAGE': 'C', 'LANG': 'C', 'LC_ALL': 'C'})
    except (OSError, subprocess.SubprocessError):
        return fallback
    sha = out.stdout.strip() if out.returncode == 0 else ''
    if not sha:
        return fallback
    return sha[:digits] if digits is not None else sha
