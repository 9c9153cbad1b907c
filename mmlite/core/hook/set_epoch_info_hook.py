"""``SetEpochInfoHook``: tell the model which epoch is running (``model.set_epoch``)."""
from __future__ import annotations

from ...parallel import is_module_wrapper
from ...runner import HOOKS, Hook


@HOOKS.register_module()
class SetEpochInfoHook(Hook):
    """Call ``model.set_epoch(epoch)`` before each training epoch (heads that change with progress)."""

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_module_wrapper(runner.model) else runner.model
        model.set_epoch(runner.epoch)
