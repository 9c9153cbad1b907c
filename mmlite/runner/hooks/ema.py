"""``EMAHook``: keep an exponential moving average of the weights, used for evaluation."""
from __future__ import annotations

import torch

from ...parallel import is_module_wrapper
from .hook import HOOKS, Hook


@HOOKS.register_module()
class EMAHook(Hook):
    """Exponential moving average of parameters, swapped in outside training epochs.

    ``ema = (1 - m) * ema + m * param`` every ``interval`` iterations, with ``m`` warmed up as
    ``min(momentum, (1 + iter) / (warm_up + iter))``. The averages live in model buffers named
    ``ema_<param_name>`` (so they are saved in checkpoints, as in mmcv); after each training epoch
    the model holds the averaged weights (for evaluation and checkpoints) and the training
    weights come back before the next epoch. Unlike mmcv, a resumed run restores the averages
    from the checkpoint instead of restarting them.

    Args:
        momentum: Update weight of the newest parameters. Defaults to 0.0002.
        interval: Update every this many iterations. Defaults to 1.
        warm_up: Warm-up length of the momentum. Defaults to 100.
        resume_from: A checkpoint to resume from inside ``before_run`` (mmcv option).
    """

    def __init__(self, momentum: float = 0.0002, interval: int = 1, warm_up: int = 100,
                 resume_from: str | None = None):
        if not (isinstance(interval, int) and interval > 0):
            raise ValueError(f'EMAHook interval must be a positive int, got {interval!r}')
        if not 0 < momentum < 1:
            raise ValueError(f'EMAHook momentum must be in (0, 1), got {momentum!r}')
        self.warm_up = warm_up
        self.interval = interval
        self.momentum = momentum**interval
        self.checkpoint = resume_from
        self._pending_state: dict | None = None

    def _model(self, runner) -> torch.nn.Module:
        model = runner.model
        return model.module if is_module_wrapper(model) else model

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the saved averages until ``before_run`` has created the buffers."""
        state = checkpoint.get('state_dict', {})
        self._pending_state = {k: v for k, v in state.items() if k.split('.')[-1].startswith('ema_')}

    def before_run(self, runner) -> None:
        model = self._model(runner)
        self.param_ema_buffer = {}
        self.model_parameters = self._tracked_tensors(model)
        for name, value in self.model_parameters.items():
            buffer_name = f"ema_{name.replace('.', '_')}"  # '.' is not allowed in buffer names
            self.param_ema_buffer[name] = buffer_name
            model.register_buffer(buffer_name, value.data.clone())
        self.model_buffers = dict(model.named_buffers(recurse=True))
        if self._pending_state:
            for key, value in self._pending_state.items():
                if key in self.model_buffers:
                    self.model_buffers[key].copy_(value)
            self._pending_state = None
        if self.checkpoint is not None:
            runner.resume(self.checkpoint)

    def _tracked_tensors(self, model: torch.nn.Module) -> dict:
        """The tensors averaged and swapped, by name: the parameters."""
        return dict(model.named_parameters(recurse=True))

    def after_train_iter(self, runner) -> None:
        curr_step = runner.iter
        momentum = min(self.momentum, (1 + curr_step) / (self.warm_up + curr_step))
        if curr_step % self.interval != 0:
            return
        for name, parameter in self.model_parameters.items():
            buffer = self.model_buffers[self.param_ema_buffer[name]]
            buffer.mul_(1 - momentum).add_(parameter.data, alpha=momentum)

    def after_train_epoch(self, runner) -> None:
        self._swap_ema_parameters()

    def before_train_epoch(self, runner) -> None:
        self._swap_ema_parameters()

    def _swap_ema_parameters(self) -> None:
        for name, value in self.model_parameters.items():
            temp = value.data.clone()
            ema_buffer = self.model_buffers[self.param_ema_buffer[name]]
            value.data.copy_(ema_buffer.data)
            ema_buffer.data.copy_(temp)
