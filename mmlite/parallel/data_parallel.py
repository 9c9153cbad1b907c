"""``MMDataParallel``: DataParallel that understands DataContainers and ``train_step``/``val_step``.

On a machine without CUDA (or with ``device_ids=None`` there) it runs the module on the CPU. With
one GPU it scatters to it; with several (legacy ``--gpu-ids 0 1``) it replicates the module and
runs ``train_step``/``val_step`` on each replica, averaging the returned losses.
"""
from __future__ import annotations

from itertools import chain
from typing import Any, Sequence

import torch
from torch.nn.parallel import DataParallel, parallel_apply, replicate

from .registry import MODULE_WRAPPERS
from .scatter_gather import scatter_kwargs


class _MethodCall(torch.nn.Module):
    """Adapter letting ``parallel_apply`` call a named method (train_step) of each replica."""

    def __init__(self, module: torch.nn.Module, method: str):
        super().__init__()
        self.module = module
        self.method = method

    def forward(self, *args, **kwargs):
        return getattr(self.module, self.method)(*args, **kwargs)


def merge_step_outputs(outputs: Sequence[dict], target_device: torch.device) -> dict:
    """Combine per-replica ``train_step`` outputs: loss averaged on ``target_device``, ``log_vars``
    averaged weighted by ``num_samples``, ``num_samples`` summed."""
    total = sum(out.get('num_samples', 1) for out in outputs)
    merged: dict[str, Any] = {'num_samples': total}
    if all('loss' in out for out in outputs):
        merged['loss'] = sum(out['loss'].to(target_device) for out in outputs) / len(outputs)
    if all('log_vars' in out for out in outputs):
        keys = outputs[0]['log_vars'].keys()
        merged['log_vars'] = {
            key: sum(out['log_vars'][key] * out.get('num_samples', 1) for out in outputs) / total
            for key in keys
        }
    for key, value in outputs[0].items():
        merged.setdefault(key, value)
    return merged


@MODULE_WRAPPERS.register_module()
class MMDataParallel(DataParallel):
    """DataParallel with DataContainer scattering and ``train_step``/``val_step``.

    Args:
        module: The model.
        device_ids: CUDA device ids; None or [] runs on the CPU. Asking for device ids on a machine
            without CUDA is an error.
        dim: Dimension along which plain tensors are split. Defaults to 0.
    """

    def __init__(self, module: torch.nn.Module, device_ids: Sequence[int] | None = None,
                 output_device: int | None = None, dim: int = 0):
        if device_ids and not torch.cuda.is_available():
            raise RuntimeError(f'MMDataParallel was asked for CUDA devices {list(device_ids)} but '
                               'no CUDA device is available. Pass device_ids=None (or build it '
                               'with build_dp(model, "cpu")) to run on the CPU.')
        super().__init__(module, device_ids=device_ids, output_device=output_device, dim=dim)
        self.dim = dim

    def scatter(self, inputs: Any, kwargs: dict, device_ids: Sequence[int]) -> tuple:
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def _check_module_device(self) -> None:
        for t in chain(self.module.parameters(), self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError('module must have its parameters and buffers on device '
                                   f'{self.src_device_obj} (device_ids[0]) but found one of them '
                                   f'on device: {t.device}')

    def _run(self, method: str, inputs: tuple, kwargs: dict) -> Any:
        if not self.device_ids:
            inputs, kwargs = self.scatter(inputs, kwargs, [-1])
            return getattr(self.module, method)(*inputs[0], **kwargs[0])
        self._check_module_device()
        inputs, kwargs = self.scatter(inputs, kwargs, self.device_ids)
        if len(self.device_ids) == 1:
            return getattr(self.module, method)(*inputs[0], **kwargs[0])
        replicas = replicate(self.module, self.device_ids[:len(inputs)])
        callers = [_MethodCall(r, method) for r in replicas]
        outputs = parallel_apply(callers, inputs, kwargs, self.device_ids[:len(inputs)])
        if method == 'forward':
            if all(isinstance(out, list) for out in outputs):  # per-image test results
                return [item for out in outputs for item in out]
            return self.gather(outputs, self.output_device)
        return merge_step_outputs(outputs, torch.device('cuda', self.output_device))

    def forward(self, *inputs, **kwargs):
        return self._run('forward', inputs, kwargs)

    def train_step(self, *inputs, **kwargs):
        return self._run('train_step', inputs, kwargs)

    def val_step(self, *inputs, **kwargs):
        return self._run('val_step', inputs, kwargs)
