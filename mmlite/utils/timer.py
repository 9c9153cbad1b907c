"""A simple wall-clock timer (mmcv.Timer)."""
from __future__ import annotations

from time import time


class TimerError(Exception):
    """Raised when a Timer is used before it is started."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class Timer:
    """Measure elapsed seconds since start and since the last check.

    Args:
        start: Start at construction. Defaults to True.
        print_tmpl: Format of the message printed on leaving a ``with`` block.
    """

    def __init__(self, start: bool = True, print_tmpl: str | None = None):
        self._is_running = False
        self.print_tmpl = print_tmpl if print_tmpl else '{:.3f}'
        if start:
            self.start()

    @property
    def is_running(self) -> bool:
        """Whether the timer is running."""
        return self._is_running

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        print(self.print_tmpl.format(self.since_last_check()))
        self._is_running = False

    def start(self) -> None:
        """Start the timer (no-op when running)."""
        if not self._is_running:
            self._t_start = time()
            self._is_running = True
        self._t_last = time()

    def since_start(self) -> float:
        """Seconds since start; also resets the last-check mark."""
        if not self._is_running:
            raise TimerError('timer is not running')
        self._t_last = time()
        return self._t_last - self._t_start

    def since_last_check(self) -> float:
        """Seconds since the last check (or start)."""
        if not self._is_running:
            raise TimerError('timer is not running')
        dur = time() - self._t_last
        self._t_last = time()
        return dur


_g_timers: dict = {}


def check_time(timer_id: str) -> float:
    """Seconds since the previous call with the same id (0 on the first call)."""
    if timer_id not in _g_timers:
        _g_timers[timer_id] = Timer()
        return 0
    return _g_timers[timer_id].since_last_check()
