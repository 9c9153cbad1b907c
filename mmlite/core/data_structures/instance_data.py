"""``InstanceData``: per-instance results (scores, labels, masks...) whose fields all have one length."""
from __future__ import annotations

import itertools

import numpy as np
import torch

from .general_data import GeneralData


class InstanceData(GeneralData):
    """:class:`GeneralData` whose data fields hold one entry per instance; indexing with an int, a slice, or a
    bool/long tensor selects instances in every field at once."""

    def __setattr__(self, name: str, value) -> None:
        if name in ('_meta_info_fields', '_data_fields') or name in self._meta_info_fields:
            super().__setattr__(name, value)  # raises the readable error
        if not hasattr(value, '__len__'):
            raise TypeError(f'InstanceData field {name!r} must have a length (a tensor, array or list), '
                            f'got {type(value).__name__}')
        if self._data_fields and len(value) != len(self):
            raise ValueError(f'InstanceData field {name!r} has {len(value)} entries; the other fields have '
                             f'{len(self)}')
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __getitem__(self, item):
        """``results['scores']`` is a field; any other index selects instances."""
        if isinstance(item, str):
            return getattr(self, item)
        if isinstance(item, int):
            if not -len(self) <= item < len(self):
                raise IndexError(f'index {item} out of range for {len(self)} instances')
            item = slice(item, item + 1 if item != -1 else None)
        if isinstance(item, torch.Tensor) and item.dtype == torch.bool and len(item) != len(self):
            raise IndexError(f'a bool index needs {len(self)} entries, got {len(item)}')
        result = self.new()
        for key, value in self.items():
            setattr(result, key, _index(value, item))
        return result

    @staticmethod
    def cat(instances_list: list) -> InstanceData:
        """One InstanceData holding the instances of all of ``instances_list`` (same fields, same meta)."""
        if not instances_list:
            raise ValueError('InstanceData.cat needs at least one InstanceData')
        if len(instances_list) == 1:
            return instances_list[0]
        keys = set(instances_list[0].keys())
        if any(set(r.keys()) != keys for r in instances_list):
            raise ValueError('InstanceData.cat needs the same data fields in every item')
        result = instances_list[0].new()
        for key in instances_list[0].keys():
            values = [r[key] for r in instances_list]
            if isinstance(values[0], torch.Tensor):
                joined = torch.cat(values)
            elif isinstance(values[0], np.ndarray):
                joined = np.concatenate(values)
            elif isinstance(values[0], list):
                joined = list(itertools.chain(*values))
            else:
                raise TypeError(f'InstanceData.cat cannot join field {key!r} of type {type(values[0]).__name__}')
            setattr(result, key, joined)
        return result

    def __len__(self) -> int:
        return len(next(iter(self.values()))) if self._data_fields else 0


def _index(value, item):
    if isinstance(value, list) and isinstance(item, torch.Tensor):
        indices = item.nonzero().flatten() if item.dtype == torch.bool else item
        return [value[i] for i in indices.tolist()]
    if isinstance(value, np.ndarray) and isinstance(item, torch.Tensor):
        return value[item.cpu().numpy()]
    return value[item]
