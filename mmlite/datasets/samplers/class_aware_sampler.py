"""``ClassAwareSampler`` (mmdet 2.x): each draw picks a class uniformly, then an image showing it."""
from __future__ import annotations

import math
from typing import Iterator

import torch
from torch.utils.data import Sampler

from ...core.utils.dist_utils import sync_random_seed
from ...runner.dist_utils import get_dist_info
from .resumable import SkippableSampler, seeded


class RandomCycleIter:
    """Endless iteration over ``data`` in random order, reshuffled (with ``generator``) after each pass."""

    def __init__(self, data: list, generator: torch.Generator | None = None):
        self.data, self.length, self.generator = data, len(data), generator
        self.index = torch.randperm(self.length, generator=generator).numpy()
        self.i = 0

    def __iter__(self) -> RandomCycleIter:
        return self

    def __len__(self) -> int:
        return len(self.data)

    def __next__(self):
        if self.i == self.length:
            self.index = torch.randperm(self.length, generator=self.generator).numpy()
            self.i = 0
        item = self.data[self.index[self.i]]
        self.i += 1
        return item


class ClassAwareSampler(SkippableSampler, Sampler):
    """Class-balanced sampling (used by mmdet's Open Images ``*_cas_*`` configs): the classes that have images
    are cycled in random order, and for each ``num_sample_class`` images of that class are taken (each class's
    images cycled in random order too). An epoch has as many samples as the data set (padded to divide evenly
    over the processes); the order depends on ``seed`` and the epoch only, and is split between the ranks.

    Args:
        dataset: A dataset with ``get_cat2imgs()`` (class → indices of the images showing it).
        samples_per_gpu: Images per process and batch.
        num_replicas / rank: Processes and this one's rank (from torch.distributed when None).
        seed: Shared base seed (a random one, broadcast from rank 0, when None).
        num_sample_class: Images drawn per class draw.
    """

    def __init__(self, dataset, samples_per_gpu: int = 1, num_replicas: int | None = None, rank: int | None = None,
                 seed: int | None = 0, num_sample_class: int = 1):
        _rank, _world_size = get_dist_info()
        self.num_replicas = _world_size if num_replicas is None else num_replicas
        self.rank = _rank if rank is None else rank
        if not isinstance(num_sample_class, int) or num_sample_class <= 0:
            raise ValueError(f'num_sample_class must be a positive int, got {num_sample_class!r}')
        if not hasattr(dataset, 'get_cat2imgs'):
            raise TypeError(f'ClassAwareSampler needs a dataset with get_cat2imgs(); {type(dataset).__name__} has '
                            'none')
        self.dataset, self.samples_per_gpu, self.num_sample_class = dataset, samples_per_gpu, num_sample_class
        self.epoch = 0
        self.seed = sync_random_seed(seed)  # rank 0's (random when None), the same on every rank
        self.cat_dict = dataset.get_cat2imgs()
        self.num_samples = int(math.ceil(len(dataset) / self.num_replicas / samples_per_gpu)) * samples_per_gpu
        self.total_size = self.num_samples * self.num_replicas
        self.num_cat_imgs = [len(x) for x in self.cat_dict.values()]
        self.valid_cat_inds = [i for i, length in enumerate(self.num_cat_imgs) if length != 0]
        if not self.valid_cat_inds:
            raise ValueError('ClassAwareSampler: no class has any image (get_cat2imgs() is empty)')
        self.num_classes = len(self.valid_cat_inds)

    def _epoch_indices(self) -> list[int]:
        g = torch.Generator()
        g.manual_seed(self.epoch + self.seed)
        classes = RandomCycleIter(self.valid_cat_inds, generator=g)
        images = {i: RandomCycleIter(self.cat_dict[i], generator=g) for i in self.valid_cat_inds}
        num_bins = int(math.ceil(self.total_size / self.num_classes / self.num_sample_class))
        indices = []
        for _ in range(num_bins):
            for _ in range(self.num_classes):
                cls = next(classes)
                indices.extend(next(images[cls]) for _ in range(self.num_sample_class))
        indices = (indices * math.ceil(self.total_size / len(indices)))[:self.total_size]
        return indices[self.num_samples * self.rank:self.num_samples * (self.rank + 1)]

    def __iter__(self) -> Iterator[int]:
        return seeded(self._skipped(self._epoch_indices()), self.seed, self.epoch)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
