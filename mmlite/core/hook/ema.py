"""mmdet's EMA hooks with a momentum schedule: ``ExpMomentumEMAHook`` (YOLOX) and ``LinearMomentumEMAHook``."""
from __future__ import annotations

import math

import torch

from ...runner import HOOKS, EMAHook


class BaseEMAHook(EMAHook):
    """``ema = (1 - m) * ema + m * value`` after every ``interval``-th iteration, ``m = momentum_fun(iter)``
    (``momentum`` without one), over the parameters and, unless ``skip_buffers``, the buffers (BN
    statistics) too. Buffers, swapping and resuming as :class:`mmlite.runner.EMAHook`."""

    def __init__(self, momentum: float = 0.0002, interval: int = 1, skip_buffers: bool = False,
                 resume_from: str | None = None, momentum_fun=None):
        super().__init__(momentum=momentum, interval=interval, resume_from=resume_from)
        self.momentum, self.skip_buffers, self.momentum_fun = momentum, skip_buffers, momentum_fun

    def _tracked_tensors(self, model: torch.nn.Module) -> dict:
        return dict(model.named_parameters()) if self.skip_buffers else model.state_dict()

    def get_momentum(self, runner) -> float:
        return self.momentum_fun(runner.iter) if self.momentum_fun else self.momentum

    def after_train_iter(self, runner) -> None:
        if (runner.iter + 1) % self.interval:
            return
        momentum = self.get_momentum(runner)
        for name, value in self.model_parameters.items():
            if value.dtype.is_floating_point:
                self.model_buffers[self.param_ema_buffer[name]].mul_(1 - momentum).add_(value.data, alpha=momentum)


@HOOKS.register_module()
class ExpMomentumEMAHook(BaseEMAHook):
    """Momentum ``(1 - momentum) * exp(-(1 + iter) / total_iter) + momentum``: close to 1 (the average follows
    the weights) at first, decaying to ``momentum``."""

    def __init__(self, total_iter: int = 2000, **kwargs):
        super().__init__(**kwargs)
        self.total_iter = total_iter
        self.momentum_fun = self._exp_momentum

    def _exp_momentum(self, cur_iter: int) -> float:
        return (1 - self.momentum) * math.exp(-(1 + cur_iter) / self.total_iter) + self.momentum


@HOOKS.register_module()
class LinearMomentumEMAHook(BaseEMAHook):
    """Momentum ``min(momentum ** interval, (1 + iter) / (warm_up + iter))``."""

    def __init__(self, warm_up: int = 100, **kwargs):
        super().__init__(**kwargs)
        self.warm_up = warm_up
        self.momentum_fun = self._linear_momentum

    def _linear_momentum(self, cur_iter: int) -> float:
        return min(self.momentum**self.interval, (1 + cur_iter) / (self.warm_up + cur_iter))
