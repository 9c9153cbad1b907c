"""``IterTimerHook``: logs ``data_time`` (waiting for the batch) and ``time`` (whole iteration)."""
from time import perf_counter

from .hook import HOOKS, Hook


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Record per-iteration ``data_time`` and ``time`` in the log buffer."""

    def before_epoch(self, runner) -> None:
        self.t = perf_counter()

    def before_iter(self, runner) -> None:
        runner.log_buffer.update_one('data_time', perf_counter() - self.t)

    def after_iter(self, runner) -> None:
        now = perf_counter()
        runner.log_buffer.update_one('time', now - self.t)
        self.t = now
