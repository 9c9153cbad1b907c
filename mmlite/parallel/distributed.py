"""``MMDistributedDataParallel``: DDP whose ``train_step``/``val_step`` synchronise gradients.

mmcv 1.x reached into DDP's private methods (``_run_ddp_forward``, ``_sync_params``), which
PyTorch 2.x removed. Here the step runs *through* DDP's public ``forward``: the module's
``forward`` is swapped for the step method for exactly one call, so DDP prepares its gradient
reducer (and ``find_unused_parameters`` search) around the whole step, while nested
``self(...)`` calls inside the step reach the real ``forward``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import torch
from torch.nn.parallel import DistributedDataParallel

from .registry import MODULE_WRAPPERS
from .scatter_gather import scatter_kwargs

_MISSING = object()
# torch >= 2.15 deprecates broadcast_buffers (a FutureWarning at every construction)
_HAS_FORWARD_SYNC = 'forward_sync_buffers' in inspect.signature(DistributedDataParallel.__init__).parameters


@MODULE_WRAPPERS.register_module()
class MMDistributedDataParallel(DistributedDataParallel):
    """DistributedDataParallel with DataContainer scattering and ``train_step``/``val_step``.

    Takes DistributedDataParallel's arguments (``device_ids``, ``broadcast_buffers``,
    ``find_unused_parameters``...). Without ``device_ids`` (CPU / gloo) inputs stay on the CPU.
    """

    def __init__(self, module: torch.nn.Module, *args, **kwargs):
        if _HAS_FORWARD_SYNC and 'broadcast_buffers' in kwargs and 'forward_sync_buffers' not in kwargs:
            # the same per-forward meaning; buffers are made equal once at construction, which the
            # ranks' identically built models are anyway (see docs/distributed.md)
            kwargs['forward_sync_buffers'] = kwargs.pop('broadcast_buffers')
        super().__init__(module, *args, **kwargs)

    def to_kwargs(self, inputs: Any, kwargs: dict, device_id: int) -> tuple:
        """Scatter inputs to one device (``-1`` for the CPU)."""
        return scatter_kwargs(inputs, kwargs, [device_id], dim=self.dim)

    def scatter(self, inputs: Any, kwargs: dict, device_ids: list) -> tuple:
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def _local_device(self) -> int:
        if self.device_ids:
            return self.device_ids[0]
        return -1

    def _through_ddp_forward(self, method: Callable, inputs: tuple, kwargs: dict) -> Any:
        module = self.module
        saved = module.__dict__.get('forward', _MISSING)

        def one_shot(*args, **kw):
            _restore_forward(module, saved)  # nested self(...) calls reach the real forward
            return method(*args, **kw)

        module.forward = one_shot
        try:
            return DistributedDataParallel.forward(self, *inputs, **kwargs)
        finally:
            _restore_forward(module, saved)

    def _step(self, name: str, inputs: tuple, kwargs: dict) -> Any:
        inputs, kwargs = self.to_kwargs(inputs, kwargs, self._local_device())
        return self._through_ddp_forward(getattr(self.module, name), inputs[0], kwargs[0])

    def forward(self, *inputs, **kwargs):
        inputs, kwargs = self.to_kwargs(inputs, kwargs, self._local_device())
        return super().forward(*inputs[0], **kwargs[0])

    def train_step(self, *inputs, **kwargs):
        """Run ``module.train_step`` with DDP's gradient synchronisation."""
        return self._step('train_step', inputs, kwargs)

    def val_step(self, *inputs, **kwargs):
        """Run ``module.val_step`` through DDP (buffers broadcast as in training)."""
        return self._step('val_step', inputs, kwargs)


def _restore_forward(module: torch.nn.Module, saved: Any) -> None:
    if saved is _MISSING:
        module.__dict__.pop('forward', None)
    else:
        module.__dict__['forward'] = saved
