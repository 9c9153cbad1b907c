"""``GeneralData``: data fields (tensors, arrays, lists) next to fixed meta information (image shapes...)."""
from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np
import torch


class GeneralData:
    """A container whose attributes are data fields, with ``meta_info`` fields that cannot change once set.

    ``results.scores = tensor`` adds a data field; ``results.img_shape`` reads meta information. Tensors move
    together with :meth:`to`, :meth:`cpu`, :meth:`cuda`, :meth:`detach` and :meth:`numpy`.
    """

    def __init__(self, meta_info: dict | None = None, data: dict | None = None):
        object.__setattr__(self, '_meta_info_fields', set())
        object.__setattr__(self, '_data_fields', set())
        if meta_info is not None:
            self.set_meta_info(meta_info)
        if data is not None:
            self.set_data(data)

    def set_meta_info(self, meta_info: dict) -> None:
        """Add meta fields; setting an existing one to a different value is an error."""
        if not isinstance(meta_info, dict):
            raise TypeError(f'meta_info must be a dict, got {type(meta_info).__name__}')
        for key, value in copy.deepcopy(meta_info).items():
            if key in self._meta_info_fields and not _same(getattr(self, key), value):
                raise KeyError(f'meta information {key!r} is already set to {getattr(self, key)!r}; it cannot '
                               f'change to {value!r} (make a new() object instead)')
            object.__setattr__(self, key, value)
            self._meta_info_fields.add(key)

    def set_data(self, data: dict) -> None:
        """Set data fields from a dict."""
        if not isinstance(data, dict):
            raise TypeError(f'data must be a dict, got {type(data).__name__}')
        for key, value in data.items():
            setattr(self, key, value)

    def new(self, meta_info: dict | None = None, data: dict | None = None) -> GeneralData:
        """An object of the same type with this one's meta information (plus ``meta_info``) and ``data``."""
        result = type(self)()
        result.set_meta_info(dict(self.meta_info_items()))
        if meta_info is not None:
            result.set_meta_info(meta_info)
        if data is not None:
            result.set_data(data)
        return result

    def keys(self) -> list:
        return list(self._data_fields)

    def meta_info_keys(self) -> list:
        return list(self._meta_info_fields)

    def values(self) -> list:
        return [getattr(self, k) for k in self.keys()]

    def meta_info_values(self) -> list:
        return [getattr(self, k) for k in self.meta_info_keys()]

    def items(self):
        return ((k, getattr(self, k)) for k in self.keys())

    def meta_info_items(self):
        return ((k, getattr(self, k)) for k in self.meta_info_keys())

    def __setattr__(self, name: str, value) -> None:
        if name in ('_meta_info_fields', '_data_fields'):
            raise AttributeError(f'{name} is private and cannot be set')
        if name in self._meta_info_fields:
            raise AttributeError(f'{name!r} is meta information; it is set once, through set_meta_info')
        object.__setattr__(self, name, value)
        self._data_fields.add(name)

    def __delattr__(self, name: str) -> None:
        if name in ('_meta_info_fields', '_data_fields') or name in self._meta_info_fields:
            raise AttributeError(f'{name!r} cannot be deleted (meta information and internals stay)')
        object.__delattr__(self, name)
        self._data_fields.discard(name)

    __setitem__ = __setattr__
    __delitem__ = __delattr__

    def __getitem__(self, name: str):
        return getattr(self, name)

    def get(self, *args):
        return getattr(self, *args)

    def pop(self, *args):
        """Remove and return a data field (``pop(name, default)`` as ``dict.pop``)."""
        name = args[0]
        if name in self._meta_info_fields:
            raise KeyError(f'{name!r} is meta information and cannot be popped')
        if name in self._data_fields:
            self._data_fields.remove(name)
            return self.__dict__.pop(name)
        if len(args) == 2:
            return args[1]
        raise AttributeError(f'{name!r} is not a data field of this {type(self).__name__}')

    def __contains__(self, name: str) -> bool:
        return name in self._data_fields or name in self._meta_info_fields

    def _apply(self, fn: Callable[[Any], Any], kinds: tuple) -> GeneralData:
        result = self.new()
        for key, value in self.items():
            setattr(result, key, fn(value) if isinstance(value, kinds) else value)
        return result

    def to(self, *args, **kwargs) -> GeneralData:
        """A copy with every tensor moved/cast by ``Tensor.to``."""
        return self._apply(lambda v: v.to(*args, **kwargs), (torch.Tensor, ))

    def cpu(self) -> GeneralData:
        return self._apply(lambda v: v.cpu(), (torch.Tensor, ))

    def cuda(self) -> GeneralData:
        return self._apply(lambda v: v.cuda(), (torch.Tensor, ))

    def detach(self) -> GeneralData:
        return self._apply(lambda v: v.detach(), (torch.Tensor, ))

    def numpy(self) -> GeneralData:
        """A copy with every tensor as a NumPy array."""
        return self._apply(lambda v: v.detach().cpu().numpy(), (torch.Tensor, ))

    def __repr__(self) -> str:
        meta = ', '.join(f'{k}: {v!r}' for k, v in self.meta_info_items())
        data = ', '.join(f'{k}: {_short(v)}' for k, v in self.items())
        return f'<{type(self).__name__}(META: {meta}; DATA: {data})>'


def _same(a, b) -> bool:
    if isinstance(a, (torch.Tensor, np.ndarray)) or isinstance(b, (torch.Tensor, np.ndarray)):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    return a == b


def _short(value) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f'{type(value).__name__}{tuple(value.shape)}'
    return repr(value)
