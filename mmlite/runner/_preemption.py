"""``PreemptionMixin``: SIGTERM/SIGINT (and e.g. Slurm's pre-kill SIGUSR1) end training cleanly.

The handler only records the signal. After the iteration in progress has finished (its
``after_train_iter`` hooks included), the runner writes a checkpoint atomically, says where to
resume, and exits with status ``128 + signal``. In a distributed run the ranks agree on the
iteration to stop at (one tiny ``all_reduce`` every ``preemption_sync_interval`` iterations), so
no rank waits for a collective that never comes. A second Ctrl-C stops at once.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence

import torch
import torch.distributed as dist

DEFAULT_PREEMPTION_SIGNALS = ('SIGTERM', 'SIGINT')


class TrainingPreempted(SystemExit):
    """Training stopped on a signal after saving a checkpoint; the exit status is 128 + signal."""

    def __init__(self, message: str, signum: int, checkpoint: str | None, iteration: int = 0):
        super().__init__(128 + signum)
        self.iteration = iteration
        self.message = message
        self.signum = signum
        self.checkpoint = checkpoint

    def __str__(self) -> str:
        return self.message


def _signal_numbers(names: Sequence[str | int]) -> list[int]:
    numbers = []
    for name in names:
        if isinstance(name, int):
            numbers.append(name)
            continue
        number = getattr(signal, str(name).upper(), None)
        if not isinstance(number, signal.Signals):
            raise ValueError(f'runner.preemption_signals: unknown signal {name!r}; use names such '
                             f'as "SIGTERM", "SIGINT" or "SIGUSR1"')
        numbers.append(int(number))
    return numbers


class PreemptionMixin:
    """Signal handling for :class:`BaseRunner` (which provides counters, ``logger`` and the
    checkpoint writer)."""

    preemption_sync_interval = 10
    _received_signal: int | None = None

    def _set_preemption_signals(self, names: Sequence[str | int] | None) -> None:
        self._preemption_signals = _signal_numbers(
            DEFAULT_PREEMPTION_SIGNALS if names is None else names)

    def _on_signal(self, signum: int, frame) -> None:
        if signum == signal.SIGINT and self._received_signal is not None:
            raise KeyboardInterrupt  # a second Ctrl-C: the user does not want to wait
        self._received_signal = signum

    @contextmanager
    def _preemption_handlers(self) -> Iterator[None]:
        """Install the handlers for the duration of ``run()`` (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in self._preemption_signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_requested(self) -> bool:
        """Whether to stop after this iteration (called once per training iteration)."""
        if self._world_size == 1:
            return self._received_signal is not None
        if self._iter % self.preemption_sync_interval:
            return False
        device = 'cuda' if dist.get_backend() == 'nccl' else 'cpu'
        flag = torch.tensor([self._received_signal or 0], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        agreed = int(flag.item())
        if agreed and self._received_signal is None:
            self._received_signal = agreed
        return bool(agreed)

    def _checkpoint_and_exit(self) -> None:
        """Save ``iter_<N>.pth`` (rank 0, when there is a work_dir) and raise TrainingPreempted."""
        signum = self._received_signal
        name = signal.Signals(signum).name
        done = self._completed_iters()
        path = None
        if self.work_dir is not None and self._rank == 0:
            path = self._save_checkpoint_file(self.work_dir, f'iter_{done}.pth')
        where = f'epoch {self._epoch + 1}, iteration {done} ({self._inner_iter + 1} of this epoch)'
        if path is not None:
            message = (f'{name} received: stopped after {where}; saved {path}. Continue with '
                       f'tools/train.py --auto-resume (or --resume-from {path}).')
        else:
            message = f'{name} received: stopped after {where}; no work_dir, nothing saved.'
        self.logger.warning(message)
        raise TrainingPreempted(message, signum, path, done)
