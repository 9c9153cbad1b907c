"""``scatter``/``scatter_kwargs``: split a collated batch across devices (or keep it on the CPU).

Only public PyTorch operations are used (``Tensor.chunk`` and ``Tensor.to``), so autograd flows
through and nothing breaks when PyTorch reorganises its private scatter helpers.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from .data_container import DataContainer


def _device(device_id: int) -> torch.device:
    return torch.device('cpu') if device_id == -1 else torch.device('cuda', device_id)


def _move(obj: Any, device: torch.device) -> Any:
    if isinstance(obj, torch.Tensor):
        if obj.device == device:
            return obj
        # asynchronous only host-to-device: a device-to-host copy must be complete when used
        return obj.to(device, non_blocking=device.type == 'cuda')
    if isinstance(obj, list):
        return [_move(o, device) for o in obj]
    return obj


def _scatter_container(dc: DataContainer, target_gpus: Sequence[int]) -> list:
    """DataContainer data is already a list with one chunk per device (see ``collate``)."""
    chunks = dc.data
    if dc.cpu_only:
        return list(chunks)
    per_device = (len(chunks) - 1) // len(target_gpus) + 1
    return [_move(chunk, _device(target_gpus[i // per_device])) for i, chunk in enumerate(chunks)]


def _scatter_tensor(tensor: torch.Tensor, target_gpus: Sequence[int], dim: int) -> list:
    if list(target_gpus) == [-1]:
        return [tensor]
    pieces = tensor.chunk(len(target_gpus), dim)
    return [_move(piece, _device(gpu)) for piece, gpu in zip(pieces, target_gpus)]


def scatter(inputs: Any, target_gpus: Sequence[int], dim: int = 0) -> list:
    """Split ``inputs`` into one entry per target device.

    Tensors are chunked along ``dim``; a DataContainer's per-device chunks are moved to their
    device, except ``cpu_only`` ones, which stay on the CPU. Tuples, lists and dicts are scattered
    element-wise; other objects are repeated for each device.

    Args:
        inputs: The collated batch.
        target_gpus: Device ids; ``[-1]`` means the CPU.
        dim: Dimension along which plain tensors are split. Defaults to 0.
    """

    def scatter_map(obj: Any) -> list:
        if isinstance(obj, torch.Tensor):
            return _scatter_tensor(obj, target_gpus, dim)
        if isinstance(obj, DataContainer):
            return _scatter_container(obj, target_gpus)
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(x) for x in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(pairs) for pairs in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in target_gpus]

    return scatter_map(inputs)


def scatter_kwargs(inputs: Any, kwargs: dict, target_gpus: Sequence[int],
                   dim: int = 0) -> tuple[tuple, tuple]:
    """Scatter positional and keyword inputs; both results have one entry per device."""
    inputs = scatter(inputs, target_gpus, dim) if inputs else []
    kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(inputs) < len(kwargs):
        inputs.extend([() for _ in range(len(kwargs) - len(inputs))])
    elif len(kwargs) < len(inputs):
        kwargs.extend([{} for _ in range(len(inputs) - len(kwargs))])
    return tuple(inputs), tuple(kwargs)
