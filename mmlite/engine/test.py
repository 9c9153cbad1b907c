"""Inference over a data loader, single process or distributed (mmcv.engine names)."""
from __future__ import annotations

import os
import os.path as osp
import pickle
import tempfile
from typing import Any, Callable

import torch
import torch.distributed as dist

from ..runner.dist_utils import broadcast_object, get_dist_info
from ..utils import ProgressBar, mkdir_or_exist


def _batch_size(result: Any) -> int:
    return len(result) if isinstance(result, (list, tuple)) else 1


def run_inference(model: torch.nn.Module, data_loader, forward_kwargs: dict | None = None,
                  postprocess: Callable | None = None) -> list:
    """This rank's results of ``model(return_loss=False, **forward_kwargs, **batch)`` over the loader.

    ``postprocess(batch, result)`` may transform each batch's results (e.g. encode masks). The
    progress bar (rank 0 only) counts the samples of all ranks.
    """
    model.eval()
    forward_kwargs = forward_kwargs or {}
    rank, world_size = get_dist_info()
    prog_bar = ProgressBar(len(data_loader.dataset)) if rank == 0 else None
    results: list = []
    for data in data_loader:
        with torch.no_grad():
            result = model(return_loss=False, **forward_kwargs, **data)
        if postprocess is not None:
            result = postprocess(data, result)
        results.extend(result)
        if prog_bar is not None:
            prog_bar.update(_batch_size(result) * world_size)
    return results


def single_gpu_test(model: torch.nn.Module, data_loader) -> list:
    """Run ``model(return_loss=False, **batch)`` over the loader; results in dataset order."""
    return run_inference(model, data_loader)


def multi_gpu_test(model: torch.nn.Module, data_loader, tmpdir: str | None = None,
                   gpu_collect: bool = False) -> list | None:
    """Each rank tests its share (a distributed sampler); rank 0 returns all results in dataset
    order (others return None). Results are gathered through ``tmpdir`` (a directory every rank
    can reach) or, with ``gpu_collect``, through collective communication."""
    return collect_results(run_inference(model, data_loader), len(data_loader.dataset), tmpdir, gpu_collect)


def collect_results(result_part: list, size: int, tmpdir: str | None = None, gpu_collect: bool = False):
    """``collect_results_gpu`` or ``collect_results_cpu``."""
    if gpu_collect:
        return collect_results_gpu(result_part, size)
    return collect_results_cpu(result_part, size, tmpdir)


def _interleave(parts: list[list], size: int) -> list:
    """Undo the distributed sampler's round-robin split and drop its padding."""
    shortest = min((len(p) for p in parts), default=0)
    ordered = [item for items in zip(*parts) for item in items]
    for part in parts:  # a sampler without padding leaves one extra item on the first ranks
        ordered.extend(part[shortest:])
    return ordered[:size]


def collect_results_cpu(result_part: list, size: int, tmpdir: str | None = None) -> list | None:
    """Gather per-rank results through files in ``tmpdir`` (made by rank 0 when None). Only the
    files written here are removed afterwards, and the folder only when that leaves it empty
    (mmcv deleted the whole ``tmpdir``, whatever else it held)."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    if tmpdir is None:
        tmpdir = broadcast_object(tempfile.mkdtemp() if rank == 0 else None)
    else:
        mkdir_or_exist(tmpdir)
    with open(osp.join(tmpdir, f'part_{rank}.pkl'), 'wb') as f:
        pickle.dump(result_part, f, protocol=2)
    dist.barrier()
    if rank != 0:
        dist.barrier()
        return None
    parts = []
    for i in range(world_size):
        with open(osp.join(tmpdir, f'part_{i}.pkl'), 'rb') as f:
            parts.append(pickle.load(f))
    dist.barrier()  # every rank has written; rank 0 has read
    for i in range(world_size):
        os.remove(osp.join(tmpdir, f'part_{i}.pkl'))
    if not os.listdir(tmpdir):
        os.rmdir(tmpdir)
    return _interleave(parts, size)


def collect_results_gpu(result_part: list, size: int) -> list | None:
    """Gather per-rank results with ``all_gather_object`` (GPU or CPU backend)."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    parts: list = [None] * world_size
    dist.all_gather_object(parts, result_part)
    if rank != 0:
        return None
    return _interleave(parts, size)


__all__ = ['single_gpu_test', 'multi_gpu_test', 'run_inference', 'collect_results', 'collect_results_cpu',
           'collect_results_gpu']
