"""``LogBuffer``: per-iteration values kept for averaging over log intervals."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any

import torch

_HOST_NUMBERS = frozenset((float, int))


def _weighted_sum(values: list, nums: list) -> float:
    """``sum(v * n)``; tensors (e.g. grad norms) are moved to the host in one transfer."""
    if not _HOST_NUMBERS.issuperset(map(type, values)):
        if any(isinstance(v, torch.Tensor) for v in values):
            stacked = torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(()) for v in values])
            values = stacked.cpu().tolist()
    # C-level sums: for log windows of tens of values several times faster than numpy
    return float(sum(map(operator.mul, values, nums)))


def _weighted_mean(values: list, nums: list) -> float:
    """Sample-weighted mean of ``values``."""
    return _weighted_sum(values, nums) / sum(nums)


class LogBuffer:
    """History of logged values since the last ``clear`` and their latest averages.

    ``val_history``/``n_history`` hold values and their sample counts per key (lists, as in mmcv).
    To keep memory constant over arbitrarily long runs, each history keeps at most
    ``max_history`` entries (trimmed in amortised O(1)); ``average(0)`` ("everything since the
    last clear") stays exact because the trimmed entries' totals are kept. Values may be floats or
    0-d tensors (converted only when averaged).

    Args:
        max_history: Entries kept per key. Defaults to 10000.
    """

    def __init__(self, max_history: int = 10000):
        self.val_history: OrderedDict[str, list] = OrderedDict()
        self.n_history: OrderedDict[str, list] = OrderedDict()
        self.output: OrderedDict[str, Any] = OrderedDict()
        self.ready = False
        self.max_history = max_history
        self._trimmed: dict[str, list] = {}  # key -> [sum(value * n), sum(n)] of trimmed entries

    def clear(self) -> None:
        """Forget the history and the output."""
        self.val_history.clear()
        self.n_history.clear()
        self._trimmed.clear()
        self.clear_output()

    def clear_output(self) -> None:
        """Forget the averaged output."""
        self.output.clear()
        self.ready = False

    def update(self, vars: dict, count: int = 1) -> None:
        """Append ``vars`` (key → value) observed over ``count`` samples."""
        if not isinstance(vars, dict):
            raise TypeError(f'LogBuffer.update expects a dict, got {type(vars)}')
        for key, var in vars.items():
            self.update_one(key, var, count)

    def update_one(self, key: str, value, count: int = 1) -> None:
        """``update({key: value}, count)`` without building a dict (used every iteration)."""
        history = self.val_history.get(key)
        if history is None:
            history = self.val_history[key] = []
            self.n_history[key] = []
        history.append(value)
        counts = self.n_history[key]
        counts.append(count)
        if len(history) > 2 * self.max_history:
            self._trim(key, history, counts)

    def _trim(self, key: str, history: list, counts: list) -> None:
        cut = len(history) - self.max_history
        totals = self._trimmed.setdefault(key, [0.0, 0])
        totals[0] += _weighted_sum(history[:cut], counts[:cut])
        totals[1] += sum(counts[:cut])
        del history[:cut]
        del counts[:cut]

    def average(self, n: int = 0) -> None:
        """Average the last ``n`` values of each key (all since the last clear when 0) into
        ``output`` and mark it ready."""
        if n < 0:
            raise ValueError(f'n must be non-negative, got {n}')
        for key, history in self.val_history.items():
            if n == 0:
                counts = self.n_history[key]
                total, count = self._trimmed.get(key, (0.0, 0))
                count += sum(counts)
                avg = (total + _weighted_sum(history, counts)) / count if count else 0.0
            else:
                avg = _weighted_mean(history[-n:], self.n_history[key][-n:])
            self.output[key] = avg
        self.ready = True
