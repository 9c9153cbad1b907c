"""``ParamUpdaterHook``: the one implementation behind LR and momentum schedules.

It owns what mmcv duplicated across ``LrUpdaterHook`` and ``MomentumUpdaterHook``: base values
per param group (and per optimizer when ``runner.optimizer`` is a dict), ``by_epoch`` vs
per-iteration updates, and warm-up. A subclass says which group field it drives, whether warm-up
multiplies (LR) or divides (momentum), and the schedule (``get_value``).
"""
from __future__ import annotations

from typing import Any, Callable

from ._schedules import warmup_factor
from .hook import Hook

_WARMUPS = ('constant', 'linear', 'exp')


def map_groups(optimizer: Any, fn: Callable[[str | None, Any], list]) -> Any:
    """``fn(name, optimizer)`` for one optimizer (name None) or a dict of them (dict result)."""
    if isinstance(optimizer, dict):
        return {name: fn(name, optim) for name, optim in optimizer.items()}
    return fn(None, optimizer)


def map_values(values: Any, fn: Callable[[float], float]) -> Any:
    """Apply ``fn`` to a list of values or to each list of a dict of them."""
    if isinstance(values, dict):
        return {k: [fn(v) for v in vs] for k, vs in values.items()}
    return [fn(v) for v in values]


class ParamUpdaterHook(Hook):
    """Schedule one param-group field over training.

    Args:
        by_epoch: Update once per epoch (else every iteration). Defaults to True.
        warmup: None, 'constant', 'linear' or 'exp'.
        warmup_iters: Length of the warm-up (iterations, or epochs with ``warmup_by_epoch``).
        warmup_ratio: Start of the warm-up relative to the regular value.
        warmup_by_epoch: Count ``warmup_iters`` in epochs. Defaults to False.
    """

    initial_key = ''  # group field remembering the base value, e.g. 'initial_lr'
    inverse_warmup = False  # momentum warm-up divides by the factor instead of multiplying

    def __init__(self, by_epoch: bool = True, warmup: str | None = None, warmup_iters: int = 0,
                 warmup_ratio: float = 0.1, warmup_by_epoch: bool = False):
        if warmup is not None:
            if warmup not in _WARMUPS:
                raise ValueError(f'"{warmup}" is not a supported type for warming up, valid types '
                                 'are "constant", "linear" and "exp"')
            if not (isinstance(warmup_iters, int) and warmup_iters > 0):
                raise ValueError(f'"warmup_iters" must be a positive integer, got {warmup_iters!r}')
            if not 0 < warmup_ratio <= 1.0:
                raise ValueError(f'"warmup_ratio" must be in range (0,1], got {warmup_ratio!r}')
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.warmup_iters = warmup_iters
        self.warmup_ratio = warmup_ratio
        self.warmup_by_epoch = warmup_by_epoch
        self.warmup_epochs = None
        if warmup_by_epoch:
            self.warmup_epochs, self.warmup_iters = warmup_iters, None
        self._base: Any = []
        self._regular: Any = []
        self._steady_until = -1  # see steady_until
        self._written: list | None = None

    # --- what a subclass provides -------------------------------------------------------------
    def read_group(self, group: dict) -> float:
        raise NotImplementedError

    def write_group(self, group: dict, value: float) -> None:
        raise NotImplementedError

    def get_value(self, runner, base_value: float) -> float:
        """The scheduled value for one group with base value ``base_value``."""
        raise NotImplementedError

    # --- shared mechanics ---------------------------------------------------------------------
    def progress(self, runner) -> tuple[int, int]:
        """``(epoch, max_epochs)`` when ``by_epoch`` else ``(iter, max_iters)``."""
        if self.by_epoch:
            return runner.epoch, runner.max_epochs
        return runner.iter, runner.max_iters

    def collect_base(self, runner) -> Any:
        """Base values per group, remembered in each group under ``initial_key`` so a resumed
        optimizer keeps the original ones."""

        def base_of(_name, optim):
            for group in optim.param_groups:
                group.setdefault(self.initial_key, self.read_group(group))
            return [group[self.initial_key] for group in optim.param_groups]

        return map_groups(runner.optimizer, base_of)

    def regular_values(self, runner) -> Any:
        """The schedule's values (no warm-up) for every group."""
        if isinstance(self._base, dict):
            return {k: [self.get_value(runner, b) for b in bases] for k, bases in self._base.items()}
        return [self.get_value(runner, b) for b in self._base]

    def warmup_values(self, cur_iter: int) -> Any:
        """The regular values scaled for warm-up iteration ``cur_iter``."""
        factor = warmup_factor(self.warmup, cur_iter, self.warmup_iters, self.warmup_ratio)
        if self.inverse_warmup:
            return map_values(self._regular, lambda v: v / factor)
        return map_values(self._regular, lambda v: v * factor)

    def write_values(self, runner, values: Any) -> None:
        """Write ``values`` into the optimizer's param groups."""

        def write(name, optim):
            for group, value in zip(optim.param_groups, values[name] if name is not None else values):
                self.write_group(group, value)

        map_groups(runner.optimizer, write)

    # The stage methods call these indirections so subclasses overriding the mmcv-named
    # methods (get_regular_lr, get_warmup_lr, _set_lr...) are honoured.
    def _compute_regular(self, runner) -> Any:
        return self.regular_values(runner)

    def _compute_warmup(self, cur_iter: int) -> Any:
        return self.warmup_values(cur_iter)

    def _write(self, runner, values: Any) -> None:
        self.write_values(runner, values)

    def before_run(self, runner) -> None:
        self._base = self.collect_base(runner)
        self._steady_until = -1

    def before_train_epoch(self, runner) -> None:
        if self.warmup_iters is None:
            self.warmup_iters = self.warmup_epochs * len(runner.data_loader)
        if not self.by_epoch:
            return
        self._regular = self._compute_regular(runner)
        self._write(runner, self._regular)

    def idle_at(self, stage: str, runner) -> bool:
        # by epoch, iterations only matter during warm-up (which ends at iteration warmup_iters)
        return (stage == 'before_train_iter' and self.by_epoch
                and (self.warmup is None or runner.iter > (self.warmup_iters or 0))
                and self._inherits(stage, ParamUpdaterHook))

    def steady_until(self, runner) -> int:
        """The first iteration (``by_epoch=False``) at which the schedule's values may differ from
        the current ones; until then, and while the optimizer still holds what was written, the
        per-iteration update is skipped. Schedules that know it override this (and must return
        -1, "every iteration", when a subclass changes how values are computed)."""
        return -1

    def _group_values(self, runner) -> list:
        optimizers = runner.optimizer.values() if isinstance(runner.optimizer, dict) else (runner.optimizer, )
        return [self.read_group(group) for optim in optimizers for group in optim.param_groups]

    def _schedule_is_stock(self, cls: type, names: tuple = ()) -> bool:
        """Whether values come from ``cls``'s own methods (no subclass override on the way)."""
        return all(self._inherits(name, cls)
                   for name in ('get_value', 'regular_values', '_compute_regular', 'progress', '_write',
                                'write_values', 'write_group', 'read_group', 'before_train_iter') + names)

    def before_train_iter(self, runner) -> None:
        cur_iter = runner.iter
        if not self.by_epoch:
            if cur_iter < self._steady_until and self._written == self._group_values(runner):
                return
            self._regular = self._compute_regular(runner)
            if self.warmup is None or cur_iter >= self.warmup_iters:
                self._write(runner, self._regular)
                self._steady_until, self._written = self.steady_until(runner), self._group_values(runner)
            else:
                self._write(runner, self._compute_warmup(cur_iter))
                self._steady_until = -1
        elif self.warmup is not None and cur_iter <= self.warmup_iters:
            if cur_iter == self.warmup_iters:
                self._write(runner, self._regular)
            else:
                self._write(runner, self._compute_warmup(cur_iter))
