"""Aspect-ratio grouped samplers: every batch holds images of one ``dataset.flag`` group."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler

from ...runner.dist_utils import get_dist_info
from .resumable import SkippableSampler, seeded


def _group_sizes(dataset) -> tuple[np.ndarray, np.ndarray]:
    if not hasattr(dataset, 'flag'):
        raise AttributeError(f'{type(dataset).__name__} has no "flag" attribute (aspect-ratio groups); '
                             'GroupSampler needs one, or use shuffle without grouping')
    flag = np.asarray(dataset.flag).astype(np.int64)
    return flag, np.bincount(flag)


class GroupSampler(SkippableSampler, Sampler):
    """Single-process grouped sampler (mmdet's GroupSampler).

    Shuffles within each aspect-ratio group, pads each group to a multiple of
    ``samples_per_gpu`` and shuffles the resulting batches. Unlike mmdet (global NumPy RNG), the
    order depends only on ``seed`` and the epoch, so runs are reproducible and can resume
    mid-epoch (``skip_next``). The epoch advances on every pass; ``set_epoch`` sets it explicitly.
    Indices carry per-sample augmentation seeds (:class:`SeededIndex`).

    Args:
        dataset: A dataset with a ``flag`` array.
        samples_per_gpu: Batch size. Defaults to 1.
        seed: Base seed; a random one (from NumPy's global RNG) when None.
    """

    def __init__(self, dataset, samples_per_gpu: int = 1, seed: int | None = None):
        self.dataset = dataset
        self.samples_per_gpu = samples_per_gpu
        self.flag, self.group_sizes = _group_sizes(dataset)
        self.num_samples = sum(int(math.ceil(size / samples_per_gpu)) * samples_per_gpu
                               for size in self.group_sizes)
        self.seed = int(np.random.randint(2**31)) if seed is None else seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _epoch_indices(self, epoch: int) -> list[int]:
        rng = np.random.default_rng([self.seed, epoch])
        indices = []
        for group, size in enumerate(self.group_sizes):
            if size == 0:
                continue
            members = np.flatnonzero(self.flag == group)
            rng.shuffle(members)
            extra = int(math.ceil(size / self.samples_per_gpu)) * self.samples_per_gpu - size
            indices.append(np.concatenate([members, rng.choice(members, extra)]))
        flat = np.concatenate(indices)
        order = rng.permutation(len(flat) // self.samples_per_gpu)
        batches = [flat[i * self.samples_per_gpu:(i + 1) * self.samples_per_gpu] for i in order]
        return np.concatenate(batches).astype(np.int64).tolist()

    def __iter__(self) -> Iterator[int]:
        epoch = self.epoch  # taken when the pass starts (see SkippableSampler)
        self.epoch += 1
        yield from seeded(self._skipped(self._epoch_indices(epoch)), self.seed, epoch)

    def __len__(self) -> int:
        return self.num_samples


class DistributedGroupSampler(SkippableSampler, Sampler):
    """Distributed grouped sampler (mmdet's DistributedGroupSampler): one shared permutation of
    group-pure batches (seeded by ``seed + epoch``), split into contiguous shares per rank.

    Args:
        dataset: A dataset with a ``flag`` array.
        samples_per_gpu: Batch size per process. Defaults to 1.
        num_replicas: World size; from torch.distributed when None.
        rank: This process's rank; from torch.distributed when None.
        seed: Seed shared by all ranks. Defaults to 0.
    """

    def __init__(self, dataset, samples_per_gpu: int = 1, num_replicas: int | None = None,
                 rank: int | None = None, seed: int = 0):
        dist_rank, dist_world = get_dist_info()
        self.num_replicas = dist_world if num_replicas is None else num_replicas
        self.rank = dist_rank if rank is None else rank
        self.dataset = dataset
        self.samples_per_gpu = samples_per_gpu
        self.epoch = 0
        self.seed = seed if seed is not None else 0
        self.flag, self.group_sizes = _group_sizes(dataset)
        per = samples_per_gpu * self.num_replicas
        self.num_samples = sum(int(math.ceil(size / per)) * samples_per_gpu for size in self.group_sizes)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _all_indices(self) -> list[int]:
        g = torch.Generator()
        g.manual_seed(self.epoch + self.seed)
        per = self.samples_per_gpu * self.num_replicas
        indices: list[int] = []
        for group, size in enumerate(self.group_sizes):
            if size == 0:
                continue
            members = np.flatnonzero(self.flag == group)
            members = members[torch.randperm(int(size), generator=g).numpy()].tolist()
            extra = int(math.ceil(size / per)) * per - size
            padded = members * (1 + extra // size) + members[:extra % size]
            indices.extend(padded)
        order = torch.randperm(len(indices) // self.samples_per_gpu, generator=g).tolist()
        spg = self.samples_per_gpu
        return [indices[j] for i in order for j in range(i * spg, (i + 1) * spg)]

    def __iter__(self) -> Iterator[int]:
        offset = self.num_samples * self.rank
        indices = self._all_indices()[offset:offset + self.num_samples]
        return seeded(self._skipped(indices), self.seed, self.epoch)

    def __len__(self) -> int:
        return self.num_samples
