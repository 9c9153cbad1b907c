"""``LogBuffer``: per-iteration values kept for averaging over log intervals."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any

import torch


def _weighted_mean(values: list, nums: list) -> float:
    """Sample-weighted mean; tensors (e.g. grad norms) are moved to the host in one transfer."""
    if not all(type(v) is float for v in values):
        if any(isinstance(v, torch.Tensor) for v in values):
            stacked = torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(()) for v in values])
            values = stacked.cpu().tolist()
    # C-level sums: for log windows of tens of values several times faster than numpy
    return sum(map(operator.mul, values, nums)) / sum(nums)


class LogBuffer:
    """History of logged values since the last ``clear`` and their latest averages.

    ``val_history``/``n_history`` hold values and their sample counts per key (lists, as in mmcv).
    To keep memory constant over arbitrarily long runs, each history keeps at most
    ``max_history`` entries (trimmed in amortised O(1)); ``average(0)`` ("everything since the
    last clear") stays exact because running totals are kept alongside. Values may be floats or
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
        self._totals: dict[str, list] = {}  # key -> [sum(value * n) (float or tensor), sum(n)]

    def clear(self) -> None:
        """Forget the history and the output."""
        self.val_history.clear()
        self.n_history.clear()
        self._totals.clear()
        self.clear_output()

    def clear_output(self) -> None:
        """Forget the averaged output."""
        self.output.clear()
        self.ready = False

    def update(self, vars: dict, count: int = 1) -> None:
        """Append ``vars`` (key → value) observed over ``count`` samples."""
        if not isinstance(vars, dict):
            raise TypeError(f'LogBuffer.update expects a dict, got {type(vars)}')
        limit = self.max_history
        for key, var in vars.items():
            history = self.val_history.get(key)
            if history is None:
                history = self.val_history[key] = []
                self.n_history[key] = []
                self._totals[key] = [0.0, 0]
            counts = self.n_history[key]
            history.append(var)
            counts.append(count)
            totals = self._totals[key]
            totals[0] = totals[0] + var * count
            totals[1] += count
            if len(history) > 2 * limit:
                del history[:-limit]
                del counts[:-limit]

    def update_one(self, key: str, value, count: int = 1) -> None:
        """``update({key: value}, count)`` without building a dict (used every iteration)."""
        history = self.val_history.get(key)
        if history is None:
            self.update({key: value}, count)
            return
        history.append(value)
        counts = self.n_history[key]
        counts.append(count)
        totals = self._totals[key]
        totals[0] = totals[0] + value * count
        totals[1] += count
        if len(history) > 2 * self.max_history:
            del history[:-self.max_history]
            del counts[:-self.max_history]

    def average(self, n: int = 0) -> None:
        """Average the last ``n`` values of each key (all since the last clear when 0) into
        ``output`` and mark it ready."""
        if n < 0:
            raise ValueError(f'n must be non-negative, got {n}')
        for key, history in self.val_history.items():
            if n == 0:
                total, count = self._totals[key]
                avg = float(total) / count if count else 0.0
            else:
                avg = float(_weighted_mean(history[-n:], self.n_history[key][-n:]))
            self.output[key] = avg
        self.ready = True
