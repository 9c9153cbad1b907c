"""``build_dp``/``build_ddp`` (mmdet 2.x names): wrap a model for the chosen device."""
from __future__ import annotations

import torch
import torch.nn as nn

from .data_parallel import MMDataParallel
from .distributed import MMDistributedDataParallel


def build_dp(model: nn.Module, device: str = 'cuda', dim: int = 0, *args, **kwargs) -> MMDataParallel:
    """Wrap ``model`` in MMDataParallel for ``device`` ('cuda' or 'cpu').

    On 'cuda' the model moves to ``device_ids[0]`` (default: the current device). On 'cpu'
    ``device_ids`` is ignored, as in mmdet 2.x.
    """
    if device == 'cuda':
        device_ids = kwargs.get('device_ids') or [torch.cuda.current_device()]
        kwargs['device_ids'] = device_ids
        model = model.cuda(device_ids[0])
    elif device == 'cpu':
        kwargs.pop('device_ids', None)
        model = model.cpu()
    else:
        raise ValueError(f'build_dp: device must be "cuda" or "cpu", got {device!r}')
    return MMDataParallel(model, *args, dim=dim, **kwargs)


def build_ddp(model: nn.Module, device: str = 'cuda', *args, **kwargs) -> MMDistributedDataParallel:
    """Wrap ``model`` in MMDistributedDataParallel for ``device`` ('cuda' or 'cpu').

    On 'cuda' the model moves to the current device, which becomes ``device_ids``; on 'cpu' (gloo)
    no device ids are used. Other keyword arguments go to DistributedDataParallel.
    """
    if device == 'cuda':
        current = torch.cuda.current_device()
        model = model.cuda(current)
        kwargs.setdefault('device_ids', [current])
    elif device == 'cpu':
        kwargs.pop('device_ids', None)
        kwargs.pop('output_device', None)
        model = model.cpu()
    else:
        raise ValueError(f'build_ddp: device must be "cuda" or "cpu", got {device!r}')
    return MMDistributedDataParallel(model, *args, **kwargs)
