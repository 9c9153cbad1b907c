"""``DataContainer``: wraps a sample's data with how it should be collated and scattered."""
from __future__ import annotations

import functools
from typing import Any, Callable

import torch


def assert_tensor_type(func: Callable) -> Callable:
    """Make a method usable only when the container holds a tensor."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if not isinstance(self.data, torch.Tensor):
            raise AttributeError(f'{self.__class__.__name__} has no attribute {func.__name__} '
                                 f'for type {self.datatype}')
        return func(self, *args, **kwargs)

    return wrapper


class DataContainer:
    """A sample field with collate/scatter instructions (mmcv's DataContainer).

    Args:
        data: A tensor or any object (image metas, lists of boxes...).
        stack: Stack the samples of a batch into one tensor (padding to the largest). Defaults to False.
        padding_value: Value used to pad when stacking. Defaults to 0.
        cpu_only: Keep on the CPU when scattering (e.g. metadata). Defaults to False.
        pad_dims: Number of trailing dimensions padded when stacking: None, 1, 2 or 3. Defaults to 2.
    """

    def __init__(self, data: Any, stack: bool = False, padding_value: int | float = 0,
                 cpu_only: bool = False, pad_dims: int | None = 2):
        if pad_dims not in (None, 1, 2, 3):
            raise ValueError(f'pad_dims must be None, 1, 2 or 3, got {pad_dims}')
        self._data = data
        self._cpu_only = cpu_only
        self._stack = stack
        self._padding_value = padding_value
        self._pad_dims = pad_dims

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.data!r})'

    def __len__(self) -> int:
        return len(self._data)

    @property
    def data(self) -> Any:
        return self._data

    @property
    def datatype(self) -> str | type:
        """The tensor type string for tensors, else the Python type."""
        if isinstance(self.data, torch.Tensor):
            return self.data.type()
        return type(self.data)

    @property
    def cpu_only(self) -> bool:
        return self._cpu_only

    @property
    def stack(self) -> bool:
        return self._stack

    @property
    def padding_value(self) -> int | float:
        return self._padding_value

    @property
    def pad_dims(self) -> int | None:
        return self._pad_dims

    @assert_tensor_type
    def size(self, *args, **kwargs) -> torch.Size:
        return self.data.size(*args, **kwargs)

    @assert_tensor_type
    def dim(self) -> int:
        return self.data.dim()
