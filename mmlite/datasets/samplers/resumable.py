"""What makes a sampler resumable mid-epoch and its augmentation independent of loader workers.

* ``SkippableSampler.skip_next(n)``: the next pass drops its first ``n`` items (indices, or
  batches for a batch sampler) without loading them; runners call it when resuming mid-epoch.
* ``SeededIndex``: an ``int`` index that also carries the seed of that sample's random
  augmentation, derived from (sampler seed, epoch, index). Datasets seed their pipeline with it
  (see :func:`sample_random_state`), so a sample's augmentation is the same whichever worker loads
  it and however many batches were skipped.
"""
from __future__ import annotations

import itertools
import random
from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np
import torch

_MASK64 = (1 << 64) - 1


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A well-mixed 32-bit seed from three integers (splitmix64 finaliser)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(epoch) * 0xBF58476D1CE4E5B9 + int(index)) & _MASK64
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        z = ((z ^ (z >> shift)) * mult) & _MASK64
    return (z ^ (z >> 31)) & 0xFFFFFFFF


class SeededIndex(int):
    """A dataset index carrying ``seed``, the seed of that sample's random augmentation."""

    def __new__(cls, value: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, value)
        obj.seed = seed
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)

    def __repr__(self) -> str:
        return f'SeededIndex({int(self)}, seed={self.seed})'


def seeded(indices: Iterable[int], seed: int, epoch: int) -> Iterator[SeededIndex]:
    """``indices`` as :class:`SeededIndex` objects for pass ``epoch`` of a sampler seeded ``seed``."""
    return (SeededIndex(i, sample_seed(seed, epoch, i)) for i in indices)


def same_seed(index, new_index: int):
    """``new_index`` carrying ``index``'s sample seed (for dataset wrappers that remap indices)."""
    seed = getattr(index, 'seed', None)
    return new_index if seed is None else SeededIndex(new_index, seed)


@contextmanager
def sample_random_state(index) -> Iterator[None]:
    """Seed ``random``, NumPy and torch (CPU) from ``index.seed`` while one sample is prepared, and
    restore the caller's streams afterwards. A plain ``int`` index changes nothing."""
    seed = getattr(index, 'seed', None)
    if seed is None:
        yield
        return
    saved = random.getstate(), np.random.get_state(), torch.random.default_generator.get_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.random.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.random.default_generator.set_state(saved[2])


class SkippableSampler:
    """Mixin: ``skip_next(n)`` makes the next pass start ``n`` items in.

    Samplers build each pass lazily (on the first ``next``), because a multi-worker DataLoader
    calls ``iter()`` on its sampler twice per pass and advances only the second iterator.
    """

    _skip = 0

    def skip_next(self, count: int) -> None:
        """Drop the first ``count`` items of the next pass (resuming mid-epoch)."""
        if count < 0:
            raise ValueError(f'cannot skip a negative number of items ({count})')
        self._skip = int(count)

    def _skipped(self, items: Iterable) -> Iterator:
        # A generator: the skip is taken by the first iterator that is advanced, not by one that
        # is created and dropped (multi-worker DataLoaders call iter() on their sampler twice).
        count, self._skip = self._skip, 0
        yield from itertools.islice(items, count, None)
