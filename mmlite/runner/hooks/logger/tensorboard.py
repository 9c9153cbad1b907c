"""``TensorboardLoggerHook``: scalars (and text) to TensorBoard via torch.utils.tensorboard."""
from __future__ import annotations

import os.path as osp

from ...dist_utils import master_only
from ..hook import HOOKS
from .base import LoggerHook


@HOOKS.register_module()
class TensorboardLoggerHook(LoggerHook):
    """Write loggable values to TensorBoard event files (default ``<work_dir>/tf_logs``).

    Needs the ``tensorboard`` package (``pip install "mmlite[tb]"``).
    """

    def __init__(self, log_dir: str | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.log_dir = log_dir

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ImportError('TensorboardLoggerHook needs the tensorboard package: '
                              'pip install "mmlite[tb]" (or pip install tensorboard)') from exc
        if self.log_dir is None:
            self.log_dir = osp.join(runner.work_dir, 'tf_logs')
        self.writer = SummaryWriter(self.log_dir)

    @master_only
    def log(self, runner) -> None:
        step = self.get_iter(runner)
        for tag, val in self.get_loggable_tags(runner, allow_text=True).items():
            if isinstance(val, str):
                self.writer.add_text(tag, val, step)
            else:
                self.writer.add_scalar(tag, val, step)

    @master_only
    def after_run(self, runner) -> None:
        self.writer.close()
