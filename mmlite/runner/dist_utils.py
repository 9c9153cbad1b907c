"""Distributed set-up and helpers (mmcv.runner.dist_utils names) on public torch.distributed APIs.

Nothing here touches torch.distributed unless ``init_dist`` is called.
"""
from __future__ import annotations

import datetime
import functools
import os
import re
import subprocess
import warnings
from typing import Callable, Iterable

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ..utils.errors import ReadableKeyError

DEFAULT_PORT = 29500


def _pick_backend(backend: str) -> str:
    if backend == 'nccl' and not torch.cuda.is_available():
        warnings.warn('backend "nccl" needs CUDA, which is not available here; using "gloo" instead.')
        return 'gloo'
    return backend


def _set_cuda_device(local_rank: int) -> None:
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank % torch.cuda.device_count())


def _init_process_group(backend: str, **kwargs) -> None:
    timeout = kwargs.pop('timeout', None)
    if timeout is None:
        timeout = datetime.timedelta(seconds=int(os.environ.get('MMLITE_DIST_TIMEOUT', 1800)))
    elif isinstance(timeout, (int, float)):
        timeout = datetime.timedelta(seconds=timeout)
    dist.init_process_group(backend=_pick_backend(backend), timeout=timeout, **kwargs)


def _require_env(*names: str) -> None:
    missing = [n for n in names if n not in os.environ]
    if missing:
        raise ReadableKeyError(f'environment variable(s) {", ".join(missing)} not set; launch with torchrun '
                               '(or dist_train.sh), srun, or mpirun as documented in docs/distributed.md')


def _init_dist_pytorch(backend: str, **kwargs) -> None:
    _require_env('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
    local_rank = int(os.environ.get('LOCAL_RANK', os.environ['RANK']))
    _set_cuda_device(local_rank)
    _init_process_group(backend, **kwargs)


def _first_slurm_host(node_list: str) -> str:
    """The first host of a Slurm node list (``node[01-04,07],gpu5`` → ``node01``)."""
    try:
        out = subprocess.run(['scontrol', 'show', 'hostnames', node_list], capture_output=True,
                             text=True, timeout=10, check=True).stdout.split()
        if out:
            return out[0]
    except (OSError, subprocess.SubprocessError):
        pass
    match = re.match(r'([^,\[]+)(?:\[([^\]]+)\])?', node_list)
    if match is None:
        raise ValueError(f'cannot parse SLURM_NODELIST={node_list!r}')
    prefix, ranges = match.group(1), match.group(2)
    if not ranges:
        return prefix
    return prefix + ranges.split(',')[0].split('-')[0]


def _init_dist_slurm(backend: str, port: int | None = None, **kwargs) -> None:
    _require_env('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    num_gpus = max(torch.cuda.device_count(), 1)
    local_rank = int(os.environ.get('SLURM_LOCALID', proc_id % num_gpus))
    _set_cuda_device(local_rank)
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', str(DEFAULT_PORT))
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = _first_slurm_host(os.environ['SLURM_NODELIST'])
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['LOCAL_RANK'] = str(local_rank)
    os.environ['RANK'] = str(proc_id)
    _init_process_group(backend, **kwargs)


def _init_dist_mpi(backend: str, **kwargs) -> None:
    _require_env('OMPI_COMM_WORLD_LOCAL_RANK', 'OMPI_COMM_WORLD_SIZE', 'OMPI_COMM_WORLD_RANK')
    _set_cuda_device(int(os.environ['OMPI_COMM_WORLD_LOCAL_RANK']))
    os.environ.setdefault('MASTER_PORT', str(DEFAULT_PORT))
    if 'MASTER_ADDR' not in os.environ:
        raise ReadableKeyError('The environment variable MASTER_ADDR is not set')
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    _init_process_group(backend, **kwargs)


_LAUNCHERS = {'pytorch': _init_dist_pytorch, 'slurm': _init_dist_slurm, 'mpi': _init_dist_mpi}


def init_dist(launcher: str, backend: str = 'nccl', **kwargs) -> None:
    """Initialise torch.distributed from the launcher's environment.

    Args:
        launcher: ``'pytorch'`` (torchrun: RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
            ``'slurm'`` (SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST; ``port=`` or MASTER_PORT,
            else 29500) or ``'mpi'`` (OpenMPI's OMPI_COMM_WORLD_*).
        backend: ``'nccl'`` (falls back to ``'gloo'`` with a warning without CUDA), ``'gloo'``...
        **kwargs: Passed to ``init_process_group``; ``timeout`` (seconds or timedelta) defaults to
            $MMLITE_DIST_TIMEOUT or 1800 s, so a dead rank ends the job instead of hanging it.
    """
    if launcher not in _LAUNCHERS:
        raise ValueError(f'Invalid launcher type: {launcher!r}; use one of {sorted(_LAUNCHERS)}')
    if mp.get_start_method(allow_none=True) is None:
        mp.set_start_method('spawn')
    _LAUNCHERS[launcher](backend, **kwargs)


def get_dist_info() -> tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` when torch.distributed is not initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def master_only(func: Callable) -> Callable:
    """Run ``func`` on rank 0 only (returns None elsewhere)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        rank, _ = get_dist_info()
        if rank == 0:
            return func(*args, **kwargs)
        return None

    return wrapper


def _bucket(tensors: list[torch.Tensor], bucket_size_mb: int) -> list[list[torch.Tensor]]:
    if bucket_size_mb <= 0:
        groups: dict = {}
        for t in tensors:
            groups.setdefault((t.dtype, t.device), []).append(t)
        return list(groups.values())
    limit = bucket_size_mb * 1024 * 1024
    buckets, current, size, key = [], [], 0, None
    for t in tensors:
        t_key = (t.dtype, t.device)
        nbytes = t.numel() * t.element_size()
        if current and (size + nbytes > limit or t_key != key):
            buckets.append(current)
            current, size = [], 0
        current.append(t)
        size += nbytes
        key = t_key
    if current:
        buckets.append(current)
    return buckets


def _allreduce_coalesced(tensors: list[torch.Tensor], world_size: int, bucket_size_mb: int = -1) -> None:
    for bucket in _bucket(tensors, bucket_size_mb):
        flat = torch.cat([t.reshape(-1) for t in bucket])
        dist.all_reduce(flat.div_(world_size))
        offset = 0
        for t in bucket:
            n = t.numel()
            t.copy_(flat[offset:offset + n].view_as(t))
            offset += n


def allreduce_params(params: Iterable[torch.Tensor], coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Average parameters (or buffers) across processes; a no-op when not distributed."""
    _, world_size = get_dist_info()
    if world_size == 1:
        return
    tensors = [p.data for p in params]
    if coalesce:
        _allreduce_coalesced(tensors, world_size, bucket_size_mb)
    else:
        for t in tensors:
            dist.all_reduce(t.div_(world_size))


def allreduce_grads(params: Iterable[torch.nn.Parameter], coalesce: bool = True,
                    bucket_size_mb: int = -1) -> None:
    """Average gradients across processes; a no-op when not distributed."""
    grads = [p.grad.data for p in params if p.requires_grad and p.grad is not None]
    _, world_size = get_dist_info()
    if world_size == 1:
        return
    if coalesce:
        _allreduce_coalesced(grads, world_size, bucket_size_mb)
    else:
        for t in grads:
            dist.all_reduce(t.div_(world_size))


def broadcast_object(obj, src: int = 0):
    """``obj`` from rank ``src`` on every rank (itself when not distributed)."""
    _, world_size = get_dist_info()
    if world_size == 1:
        return obj
    holder = [obj]
    dist.broadcast_object_list(holder, src=src)
    return holder[0]
