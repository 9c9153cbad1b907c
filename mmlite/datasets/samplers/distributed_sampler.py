"""``DistributedSampler`` (mmdet 2.x): deterministic per-epoch shuffling, padded to divide evenly."""
from __future__ import annotations

import math
from typing import Iterator

import torch
from torch.utils.data import Dataset
from torch.utils.data import DistributedSampler as _TorchDistributedSampler

from .resumable import SkippableSampler, seeded


class DistributedSampler(SkippableSampler, _TorchDistributedSampler):
    """Each rank takes every ``num_replicas``-th index of one shared permutation.

    The permutation depends only on ``seed + epoch`` (call ``set_epoch`` each epoch, as
    DistSamplerSeedHook does), so all ranks agree and every epoch differs. Indices are repeated
    from the start so the total divides evenly.

    Args:
        dataset: The dataset.
        num_replicas: World size; from torch.distributed when None.
        rank: This process's rank; from torch.distributed when None.
        shuffle: Shuffle each epoch. Defaults to True.
        seed: Base seed shared by all ranks. Defaults to 0.
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle)
        self.seed = seed if seed is not None else 0

    def _epoch_indices(self) -> list[int]:
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.epoch + self.seed)
            indices = torch.randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        # pad by repetition (also when the dataset is shorter than half of total_size)
        return (indices * math.ceil(self.total_size / len(indices)))[:self.total_size]

    def __iter__(self) -> Iterator[int]:
        indices = self._skipped(self._epoch_indices()[self.rank:self.total_size:self.num_replicas])
        return seeded(indices, self.seed, self.epoch) if self.shuffle else indices
