"""``collate``: batch samples, stacking (with padding) or listing DataContainers per device."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data.dataloader import default_collate

from .data_container import DataContainer


def _pad_and_stack(samples: list[DataContainer]) -> torch.Tensor:
    first = samples[0]
    pad_dims = first.pad_dims
    if pad_dims is None:
        return default_collate([s.data for s in samples])
    ndim = first.dim()
    if ndim <= pad_dims:
        raise ValueError(f'cannot pad {pad_dims} dims of a {ndim}-d tensor')
    for sample in samples:
        if sample.size()[:ndim - pad_dims] != first.size()[:ndim - pad_dims]:
            raise ValueError('samples to stack differ in a non-padded dimension: '
                             f'{tuple(first.size())} vs {tuple(sample.size())}')
    max_shape = [max(s.size(-d) for s in samples) for d in range(1, pad_dims + 1)]
    padded = []
    for sample in samples:
        pad = []
        for d in range(1, pad_dims + 1):  # F.pad lists the last dimension first
            pad += [0, max_shape[d - 1] - sample.size(-d)]
        padded.append(F.pad(sample.data, pad, value=sample.padding_value) if any(pad) else sample.data)
    return default_collate(padded)  # in a loader worker: stacked straight into shared memory


def _collate_containers(batch: Sequence[DataContainer], samples_per_gpu: int) -> DataContainer:
    first = batch[0]
    chunks = [batch[i:i + samples_per_gpu] for i in range(0, len(batch), samples_per_gpu)]
    if first.cpu_only:
        return DataContainer([[s.data for s in chunk] for chunk in chunks], first.stack,
                             first.padding_value, cpu_only=True)
    if first.stack:
        for sample in batch:
            if not isinstance(sample.data, torch.Tensor):
                raise TypeError(f'stack=True needs tensors, got {type(sample.data)}')
        return DataContainer([_pad_and_stack(chunk) for chunk in chunks], first.stack,
                             first.padding_value)
    return DataContainer([[s.data for s in chunk] for chunk in chunks], first.stack,
                         first.padding_value)


def collate(batch: Sequence, samples_per_gpu: int = 1) -> Any:
    """Collate a list of samples into a batch, DataContainer-aware.

    DataContainers are grouped into chunks of ``samples_per_gpu`` (one per device): ``cpu_only``
    ones and non-stacked ones become lists of their data, stacked ones are padded to the largest
    shape over ``pad_dims`` trailing dimensions and stacked. Mappings and sequences are collated
    field by field; anything else goes to PyTorch's ``default_collate``.

    Args:
        batch: The samples.
        samples_per_gpu: Samples per device chunk. Defaults to 1.
    """
    if not isinstance(batch, Sequence):
        raise TypeError(f'{type(batch)} is not supported by collate; pass a sequence of samples')
    if len(batch) == 0:
        raise ValueError('cannot collate an empty batch')
    first = batch[0]
    if isinstance(first, DataContainer):
        return _collate_containers(batch, samples_per_gpu)
    if isinstance(first, (str, bytes)):
        return default_collate(batch)
    if isinstance(first, Sequence):
        return [collate(list(samples), samples_per_gpu) for samples in zip(*batch)]
    if isinstance(first, Mapping):
        return {key: collate([d[key] for d in batch], samples_per_gpu) for key in first}
    return default_collate(batch)
