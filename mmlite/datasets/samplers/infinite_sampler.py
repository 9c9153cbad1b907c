"""Endless batch samplers for IterBasedRunner (mmdet 2.x names)."""
from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler

from ...runner.dist_utils import get_dist_info
from .resumable import SkippableSampler, seeded


class InfiniteBatchSampler(SkippableSampler, Sampler):
    """Yield batches of indices forever: a new seeded permutation per pass, each rank taking
    every ``world_size``-th index.

    ``len()`` is the dataset size, as in mmdet.

    Args:
        dataset: The dataset.
        batch_size: Batch size per process. Defaults to 1.
        world_size: From torch.distributed when None.
        rank: From torch.distributed when None.
        seed: Seed shared by all ranks. Defaults to 0.
        shuffle: Shuffle each pass. Defaults to True.
    """

    def __init__(self, dataset, batch_size: int = 1, world_size: int | None = None,
                 rank: int | None = None, seed: int = 0, shuffle: bool = True):
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed = seed if seed is not None else 0
        self.shuffle = shuffle
        self.size = len(dataset)
        self.epoch = 0

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        for epoch in itertools.count():
            if self.shuffle:
                yield from seeded(torch.randperm(self.size, generator=g).tolist(), self.seed, epoch)
            else:
                yield from range(self.size)

    def _indices_of_rank(self) -> Iterator[int]:
        return itertools.islice(self._infinite_indices(), self.rank, None, self.world_size)

    def __iter__(self) -> Iterator[list[int]]:
        return self._skipped(self._batches())

    def _batches(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self._indices_of_rank():
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Accepted and recorded; the endless stream does not restart per epoch."""
        self.epoch = epoch


class InfiniteGroupBatchSampler(InfiniteBatchSampler):
    """InfiniteBatchSampler whose batches hold indices of one ``dataset.flag`` group."""

    def __init__(self, dataset, batch_size: int = 1, world_size: int | None = None,
                 rank: int | None = None, seed: int = 0, shuffle: bool = True):
        super().__init__(dataset, batch_size, world_size, rank, seed, shuffle)
        if not hasattr(dataset, 'flag'):
            raise AttributeError(f'{type(dataset).__name__} has no "flag" attribute for grouping')
        self.flag = np.asarray(dataset.flag)
        self.group_sizes = np.bincount(self.flag)

    def _batches(self) -> Iterator[list[int]]:
        buffers: dict[int, list[int]] = {}
        for idx in self._indices_of_rank():
            buffer = buffers.setdefault(int(self.flag[idx]), [])
            buffer.append(idx)
            if len(buffer) == self.batch_size:
                yield buffer[:]
                del buffer[:]
