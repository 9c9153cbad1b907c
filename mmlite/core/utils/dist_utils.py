"""Distributed helpers with mmdet.core.utils names: shared seeds, dict and gradient all-reduce."""
from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

from ...runner import OptimizerHook
from ...runner.dist_utils import get_dist_info
from .misc import reduce_mean  # noqa: F401


def _comm_device(device: str) -> str:
    """``device`` for NCCL, the CPU for gloo (which cannot reduce CUDA tensors everywhere)."""
    return device if dist.get_backend() == 'nccl' else 'cpu'


def sync_random_seed(seed: int | None = None, device: str = 'cuda') -> int:
    """One seed for every rank: rank 0's ``seed`` (a random one when None), broadcast to the others."""
    if seed is None:
        seed = int(np.random.randint(2**31))
    if not isinstance(seed, int):
        raise TypeError(f'seed must be an int or None, got {type(seed).__name__}')
    rank, world_size = get_dist_info()
    if world_size == 1:
        return seed
    value = torch.tensor(seed if rank == 0 else 0, dtype=torch.int64, device=_comm_device(device))
    dist.broadcast(value, src=0)
    return int(value.item())


def all_reduce_dict(py_dict: dict, op: str = 'sum', group=None, to_float: bool = True) -> dict:
    """All-reduce every tensor of ``py_dict`` (``op``: 'sum' or 'mean') in one flattened collective; the
    keys must be the same on every rank. Returns a new dict of the same type."""
    if op not in ('sum', 'mean'):
        raise ValueError(f"all_reduce_dict: op must be 'sum' or 'mean', got {op!r}")
    _, world_size = get_dist_info()
    if world_size == 1:
        return py_dict
    keys = sorted(py_dict)
    tensors = [py_dict[k].float() if to_float else py_dict[k] for k in keys]
    flat = _flatten_dense_tensors(tensors)
    dist.all_reduce(flat, op=dist.ReduceOp.SUM, group=group)
    if op == 'mean':
        flat.div_(world_size)
    reduced = dict(zip(keys, _unflatten_dense_tensors(flat, tensors)))
    return OrderedDict(reduced) if isinstance(py_dict, OrderedDict) else reduced


def allreduce_grads(params, coalesce: bool = True, bucket_size_mb: int = -1) -> None:
    """Average the gradients of ``params`` over all ranks (in flattened buckets when ``coalesce``)."""
    grads = [p.grad.data for p in params if p.requires_grad and p.grad is not None]
    _, world_size = get_dist_info()
    if world_size == 1 or not grads:
        return
    if not coalesce:
        for grad in grads:
            dist.all_reduce(grad.div_(world_size))
        return
    limit = bucket_size_mb * 1024 * 1024 if bucket_size_mb > 0 else None
    buckets, current, size = [], [], 0
    for grad in grads:
        if current and (limit is not None and size + grad.numel() * grad.element_size() > limit
                        or grad.type() != current[0].type()):
            buckets.append(current)
            current, size = [], 0
        current.append(grad)
        size += grad.numel() * grad.element_size()
    buckets.append(current)
    for bucket in buckets:
        flat = _flatten_dense_tensors(bucket)
        dist.all_reduce(flat.div_(world_size))
        for grad, synced in zip(bucket, _unflatten_dense_tensors(flat, bucket)):
            grad.copy_(synced)


class DistOptimizerHook(OptimizerHook):
    """Deprecated name of ``OptimizerHook`` (mmdet 2.x); gradients are averaged by DDP itself."""

    def __init__(self, *args, **kwargs):
        warnings.warn('"DistOptimizerHook" is deprecated, please switch to "mmlite.runner.OptimizerHook".',
                      DeprecationWarning)
        super().__init__(*args, **kwargs)
