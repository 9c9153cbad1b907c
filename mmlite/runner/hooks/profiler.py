"""``ProfilerHook``: profile a few epochs/iterations with ``torch.profiler``."""
from __future__ import annotations

import warnings
from typing import Any, Callable

import torch

from ..dist_utils import master_only
from .hook import HOOKS, Hook


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Run ``torch.profiler.profile`` over the first ``profile_iters`` epochs or iterations.

    Args:
        by_epoch: Count ``profile_iters`` in epochs. Defaults to True.
        profile_iters: How many epochs/iterations to profile. Defaults to 1.
        activities: Subset of ``['cpu', 'cuda']``. Defaults to both (cuda only when available).
        schedule: ``torch.profiler.schedule`` keyword arguments. Defaults to None.
        on_trace_ready: A callable, or ``dict(type='log_trace', ...)`` (prints a table) or
            ``dict(type='tb_trace', dir_name=...)`` (TensorBoard trace).
        record_shapes, profile_memory, with_stack, with_flops: As for torch.profiler.
        json_trace_path: Export a Chrome trace here when done.
    """

    def __init__(self, by_epoch: bool = True, profile_iters: int = 1, activities: list = ['cpu', 'cuda'],  # noqa: B006
                 schedule: dict | None = None, on_trace_ready: Callable | dict | None = None,
                 record_shapes: bool = False, profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, json_trace_path: str | None = None):
        if not isinstance(by_epoch, bool):
            raise ValueError('``by_epoch`` should be a boolean.')
        if profile_iters < 1:
            raise ValueError('profile_iters should be greater than 0')
        known = {'cpu': torch.profiler.ProfilerActivity.CPU, 'cuda': torch.profiler.ProfilerActivity.CUDA}
        unknown = [a for a in activities if a not in known]
        if unknown:
            raise ValueError(f'activity should be "cpu" or "cuda", but got {unknown}')
        self.activities = [known[a] for a in activities if a == 'cpu' or torch.cuda.is_available()]
        self.by_epoch, self.profile_iters = by_epoch, profile_iters
        self.schedule = torch.profiler.schedule(**schedule) if schedule is not None else None
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.with_stack, self.with_flops = with_stack, with_flops
        self.json_trace_path = json_trace_path
        self.profiler: Any = None

    def _trace_handler(self) -> Callable | None:
        handler = self.on_trace_ready
        if handler is None or callable(handler):
            return handler
        kind = dict(handler).pop('type', None)
        options = {k: v for k, v in handler.items() if k != 'type'}
        if kind == 'log_trace':
            return lambda prof: print(prof.key_averages().table(**options))
        if kind == 'tb_trace':
            return torch.profiler.tensorboard_trace_handler(**options)
        raise ValueError(f'on_trace_ready type should be "log_trace" or "tb_trace", got {kind!r}')

    @master_only
    def before_run(self, runner) -> None:
        if self.by_epoch and runner.max_epochs < self.profile_iters:
            raise ValueError(f'profile_iters should not be greater than {runner.max_epochs}')
        if not self.by_epoch and runner.max_iters < self.profile_iters:
            raise ValueError(f'profile_iters should not be greater than {runner.max_iters}')
        self.profiler = torch.profiler.profile(
            activities=self.activities, schedule=self.schedule, on_trace_ready=self._trace_handler(),
            record_shapes=self.record_shapes, profile_memory=self.profile_memory,
            with_stack=self.with_stack, with_flops=self.with_flops)
        self.profiler.__enter__()
        runner.logger.info('profiler is profiling...')

    def _finish(self) -> None:
        self.profiler.__exit__(None, None, None)
        if self.json_trace_path is not None:
            self.profiler.export_chrome_trace(self.json_trace_path)
        self.profiler = None

    @master_only
    def after_train_epoch(self, runner) -> None:
        if self.profiler is not None and self.by_epoch and runner.epoch == self.profile_iters - 1:
            self._finish()

    @master_only
    def after_train_iter(self, runner) -> None:
        if self.profiler is None:
            return
        if self.schedule is not None:
            self.profiler.step()
        if not self.by_epoch and runner.iter == self.profile_iters - 1:
            self._finish()

    def after_run(self, runner) -> None:
        if self.profiler is not None:
            warnings.warn('ProfilerHook: training ended before profiling finished; closing it.')
            self._finish()
