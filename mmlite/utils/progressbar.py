"""A terminal progress bar with count, rate and ETA (mmcv names).

On a TTY the bar redraws in place; otherwise (logs, CI) it prints a plain line at most
every 5 % of the work or 10 s, so log files stay short and readable.
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from time import monotonic
from typing import Any, Callable, Iterator


class ProgressBar:
    """Report progress of ``task_num`` tasks; with ``task_num`` 0 only count and rate are shown.

    Args:
        task_num: Total number of tasks (0 when unknown). Defaults to 0.
        bar_width: Width of the bar in characters. Defaults to 50.
        start: Print the empty bar at construction. Defaults to True.
        file: Stream written to. Defaults to sys.stdout.
    """

    def __init__(self, task_num: int = 0, bar_width: int = 50, start: bool = True, file=sys.stdout):
        self.task_num = task_num
        self.bar_width = bar_width
        self.completed = 0
        self.file = file
        self._tty = bool(getattr(file, 'isatty', lambda: False)())
        self._last_plain = (0, 0.0)
        if start:
            self.start()

    @property
    def terminal_width(self) -> int:
        """Columns of the terminal (80 when unknown)."""
        return shutil.get_terminal_size((80, 24)).columns

    def start(self) -> None:
        """Start timing and print the initial state."""
        self._t0 = monotonic()
        if self.task_num > 0:
            self._write(f'[{" " * self.bar_width}] 0/{self.task_num}, elapsed: 0s, ETA:', force=True)
        else:
            self._write('completed: 0, elapsed: 0s', force=True)

    def update(self, num_tasks: int = 1) -> None:
        """Record ``num_tasks`` more completed tasks and redraw."""
        if num_tasks <= 0:
            raise ValueError(f'num_tasks must be positive, got {num_tasks}')
        self.completed += num_tasks
        elapsed = max(monotonic() - self._t0, 1e-9)
        fps = self.completed / elapsed
        if self.task_num > 0:
            done = min(self.completed / self.task_num, 1.0)
            eta = int(max(elapsed * (1 - done) / max(done, 1e-9), 0) + 0.5)
            tail = (f'{self.completed}/{self.task_num}, {fps:.1f} task/s, '
                    f'elapsed: {int(elapsed + 0.5)}s, ETA: {eta:5}s')
            width = max(2, min(self.bar_width, int(self.terminal_width - len(tail) - 3)))
            mark = int(width * done)
            self._write(f'[{">" * mark}{" " * (width - mark)}] {tail}',
                        force=self.completed >= self.task_num)
        else:
            self._write(f'completed: {self.completed}, elapsed: {int(elapsed + 0.5)}s, '
                        f'{fps:.1f} tasks/s')

    def _write(self, msg: str, force: bool = False) -> None:
        if self._tty:
            self.file.write('\r' + msg)
            if self.task_num > 0 and self.completed >= self.task_num:
                self.file.write('\n')
        else:
            last_n, last_t = self._last_plain
            step = max(1, self.task_num // 20) if self.task_num > 0 else 100
            now = monotonic()
            if not (force or self.completed - last_n >= step or now - last_t >= 10):
                return
            self._last_plain = (self.completed, now)
            self.file.write(msg + '\n')
        self.file.flush()


def track_progress(func: Callable, tasks: Any, bar_width: int = 50, file=sys.stdout,
                   **kwargs) -> list:
    """Apply ``func`` to each task with a progress bar; return the results.

    Args:
        func: Called as ``func(task, **kwargs)``.
        tasks: An iterable with ``len()``, or a pair ``(iterator, total)``.
    """
    iterator, total = _tasks_and_total(tasks)
    bar = ProgressBar(total, bar_width, file=file)
    results = []
    for task in iterator:
        results.append(func(task, **kwargs))
        bar.update()
    return results


def track_iter_progress(tasks: Any, bar_width: int = 50, file=sys.stdout) -> Iterator:
    """Iterate over ``tasks`` (iterable with ``len()`` or ``(iterator, total)``) with a progress bar."""
    iterator, total = _tasks_and_total(tasks)
    bar = ProgressBar(total, bar_width, file=file)
    for task in iterator:
        yield task
        bar.update()


def track_parallel_progress(func: Callable, tasks: Any, nproc: int, initializer: Callable | None = None,
                            initargs: tuple | None = None, bar_width: int = 50, chunksize: int = 1,
                            skip_first: bool = False, keep_order: bool = True, file=sys.stdout) -> list:
    """Apply ``func`` to each task in a pool of ``nproc`` processes with a progress bar; return the results
    (in task order when ``keep_order``, else in completion order). ``skip_first`` leaves the first
    ``nproc * chunksize`` tasks (the pool's warm-up) out of the rate."""
    from multiprocessing import Pool  # imported on use: spawning processes is rare
    iterator, total = _tasks_and_total(tasks)
    results = []
    with Pool(nproc, initializer, initargs or ()) as pool:
        mapper = pool.imap if keep_order else pool.imap_unordered
        warmup = nproc * chunksize if skip_first else 0
        bar = ProgressBar(total - warmup, bar_width, start=not skip_first, file=file)
        for result in mapper(func, iterator, chunksize):
            results.append(result)
            if skip_first and len(results) <= warmup:
                if len(results) == warmup:
                    bar.start()
                continue
            bar.update()
    return results


def _tasks_and_total(tasks: Any) -> tuple[Iterable, int]:
    if isinstance(tasks, tuple) and len(tasks) == 2 and isinstance(tasks[1], int):
        return tasks[0], tasks[1]
    if isinstance(tasks, Iterable) and hasattr(tasks, '__len__'):
        return tasks, len(tasks)
    raise TypeError('"tasks" must be an iterable with len() or a tuple (iterator, int)')
