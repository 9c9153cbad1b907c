"""``CheckInvalidLossHook``: stop with a clear error when the loss stops being finite."""
from __future__ import annotations

import torch

from ...runner import HOOKS, Hook


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Every ``interval`` iterations, raise if ``runner.outputs['loss']`` is NaN or infinite.

    (mmlite's OptimizerHook already guards every step with ``nonfinite='raise'``; this hook is kept
    for configs that list it.)
    """

    def __init__(self, interval: int = 50):
        self.interval = interval

    def after_train_iter(self, runner) -> None:
        if self.every_n_iters(runner, self.interval):
            loss = runner.outputs['loss']
            if not torch.isfinite(loss).all():
                raise FloatingPointError(f'loss became infinite or NaN at epoch {runner.epoch + 1}, iteration '
                                         f'{runner.iter + 1}: {runner.outputs.get("log_vars")}')
