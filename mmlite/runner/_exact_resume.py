"""What a checkpoint needs beyond weights to continue bit-for-bit: RNG streams and the position
inside the current pass over the training data."""
from __future__ import annotations

import itertools
import logging
import random
from typing import Any, Iterator

import numpy as np
import torch


def capture_rng_state() -> dict:
    """The Python, NumPy and torch (CPU, and CUDA when in use) random streams, in a form that
    loads with ``torch.load(weights_only=True)``."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(python=random.getstate(), torch=torch.get_rng_state(),
                 numpy=(kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached))
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict | None, logger: logging.Logger | None = None) -> None:
    """Put back streams saved by :func:`capture_rng_state` (a missing part is left alone)."""
    if not state:
        return
    if 'python' in state:
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
    if 'numpy' in state:
        kind, keys, pos, has_gauss, cached = state['numpy']
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    if 'torch' in state:
        torch.set_rng_state(state['torch'])
    cuda_states = state.get('cuda')
    if cuda_states and torch.cuda.is_available():
        count = min(len(cuda_states), torch.cuda.device_count())
        for device in range(count):
            torch.cuda.set_rng_state(cuda_states[device], device)
        if count != len(cuda_states) and logger is not None:
            logger.warning('checkpoint has CUDA RNG states of %d devices, this machine has %d: '
                           'restored %d', len(cuda_states), torch.cuda.device_count(), count)


def _skippable_target(data_loader) -> tuple[Any, int]:
    """The sampler that can skip and how many of its items one batch is."""
    batch_size = getattr(data_loader, 'batch_size', None)
    if batch_size is None:  # a custom batch sampler: it yields whole batches
        return getattr(data_loader, 'batch_sampler', None), 1
    return getattr(data_loader, 'sampler', None), batch_size


def resumed_iterator(data_loader, skip_batches: int, logger: logging.Logger) -> Iterator:
    """An iterator over ``data_loader`` that starts ``skip_batches`` batches in.

    Samplers with ``skip_next`` (all of mmlite's) drop the indices without loading anything;
    other loaders are advanced by loading and discarding the batches, with a warning.
    """
    if skip_batches <= 0:
        return iter(data_loader)
    sampler, per_batch = _skippable_target(data_loader)
    if hasattr(sampler, 'skip_next'):
        sampler.skip_next(skip_batches * per_batch)
        return iter(data_loader)
    logger.warning('the training sampler (%s) cannot skip ahead; loading and discarding %d '
                   'batches to reach the resume position', type(sampler).__name__, skip_batches)
    iterator = iter(data_loader)
    for _ in itertools.islice(iterator, skip_batches):
        pass
    return iterator
