"""``LoggerHook``: when to average the log buffer and hand a record to ``log()``."""
from __future__ import annotations

import numbers
from abc import ABCMeta, abstractmethod
from collections import OrderedDict

import numpy as np
import torch

from ..hook import Hook


class LoggerHook(Hook, metaclass=ABCMeta):
    """Base of logger hooks: averages the log buffer every ``interval`` iterations and calls
    ``log(runner)``; val/eval results are logged after validation and evaluation.

    Evaluation results (written to ``runner.log_buffer.output`` by EvalHook) are always logged as
    their own ``val`` record, after the training record of the same iteration. mmcv could merge
    them into a training record (tagging them as train metrics) and had EvalHook call the logger
    hooks itself and wipe the log history to avoid that.

    Args:
        interval: Log every this many iterations. Defaults to 10.
        ignore_last: Skip the last iterations of an epoch that do not fill an interval.
        reset_flag: Clear the output after logging (set automatically on the last logger hook).
        by_epoch: Count intervals within epochs (else over all iterations). Defaults to True.
    """

    def __init__(self, interval: int = 10, ignore_last: bool = True, reset_flag: bool = False,
                 by_epoch: bool = True):
        self.interval = interval
        self.ignore_last = ignore_last
        self.reset_flag = reset_flag
        self.by_epoch = by_epoch

    @abstractmethod
    def log(self, runner):
        pass

    @staticmethod
    def is_scalar(val, include_np: bool = True, include_torch: bool = True) -> bool:
        """Whether ``val`` is a number (a 0-d array/1-element tensor counts when allowed)."""
        if isinstance(val, numbers.Number):
            return True
        if include_np and isinstance(val, np.ndarray) and val.ndim == 0:
            return True
        if include_torch and isinstance(val, torch.Tensor) and val.numel() == 1:
            return True
        return False

    def get_mode(self, runner) -> str:
        if runner.mode == 'train':
            return 'train' if 'time' in runner.log_buffer.output else 'val'
        if runner.mode == 'val':
            return 'val'
        raise ValueError(f"runner mode should be 'train' or 'val', but got {runner.mode}")

    def get_epoch(self, runner) -> int:
        if runner.mode == 'train':
            return runner.epoch + 1
        if runner.mode == 'val':
            return runner.epoch  # the train flow already advanced the epoch counter
        raise ValueError(f"runner mode should be 'train' or 'val', but got {runner.mode}")

    def get_iter(self, runner, inner_iter: bool = False) -> int:
        if self.by_epoch and inner_iter:
            return runner.inner_iter + 1
        return runner.iter + 1

    def _first_values(self, values, prefix: str) -> dict:
        if isinstance(values, dict):
            return {f'{prefix}/{name}': v[0] for name, v in values.items()}
        return {prefix: values[0]}

    def get_lr_tags(self, runner) -> dict:
        return self._first_values(runner.current_lr(), 'learning_rate')

    def get_momentum_tags(self, runner) -> dict:
        return self._first_values(runner.current_momentum(), 'momentum')

    def get_loggable_tags(self, runner, allow_scalar: bool = True, allow_text: bool = False,
                          add_mode: bool = True, tags_to_skip: tuple = ('time', 'data_time')) -> dict:
        """The output values (optionally ``mode/``-prefixed) plus LR and momentum tags."""
        tags = {}
        mode = self.get_mode(runner)
        for var, val in runner.log_buffer.output.items():
            if var in tags_to_skip or var == 'eval_iter_num':
                continue
            if self.is_scalar(val) and not allow_scalar:
                continue
            if isinstance(val, str) and not allow_text:
                continue
            tags[f'{mode}/{var}' if add_mode else var] = val
        if runner.optimizer is not None:
            tags.update(self.get_lr_tags(runner))
            tags.update(self.get_momentum_tags(runner))
        return tags

    def before_run(self, runner) -> None:
        for hook in runner.hooks[::-1]:
            if isinstance(hook, LoggerHook):
                hook.reset_flag = True
                break

    def before_epoch(self, runner) -> None:
        runner.log_buffer.clear()  # clear logs of last epoch

    def _log_and_maybe_reset(self, runner) -> None:
        self.log(runner)
        if self.reset_flag:
            runner.log_buffer.clear_output()

    def _log_train_interval(self, runner) -> None:
        buffer = runner.log_buffer
        if self.by_epoch and self.every_n_inner_iters(runner, self.interval):
            buffer.average(self.interval)
        elif not self.by_epoch and self.every_n_iters(runner, self.interval):
            buffer.average(self.interval)
        elif not self.ignore_last and self.end_of_epoch(runner):
            buffer.average(self.interval)  # not precise but more stable
        if buffer.ready:
            self._log_and_maybe_reset(runner)

    def after_train_iter(self, runner) -> None:
        buffer = runner.log_buffer
        if not (buffer.ready and 'time' not in buffer.output):
            self._log_train_interval(runner)
            return
        # Evaluation published results in this iteration: log this interval's training record
        # without them, then the results as their own val record. Later logger hooks find the
        # results again (only the last one clears them).
        pending = OrderedDict(buffer.output)
        buffer.clear_output()
        self._log_train_interval(runner)
        buffer.output.clear()
        buffer.output.update(pending)
        buffer.ready = True
        self.log(runner)
        buffer.clear_output()
        if not self.reset_flag:
            buffer.output.update(pending)
            buffer.ready = True

    def after_train_epoch(self, runner) -> None:
        if runner.log_buffer.ready:
            self._log_and_maybe_reset(runner)

    def after_val_epoch(self, runner) -> None:
        runner.log_buffer.average()
        self._log_and_maybe_reset(runner)
