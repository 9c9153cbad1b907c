"""Learning-rate schedules: ``LrUpdaterHook`` and mmcv's 11 policies (``lr_config.policy``)."""
from __future__ import annotations

import numbers
import sys
from typing import Any

from ...utils.errors import ReadableKeyError
from . import _schedules as S
from ._schedules import annealing_cos, annealing_linear  # noqa: F401
from .hook import HOOKS
from .param_updater import ParamUpdaterHook


class LrUpdaterHook(ParamUpdaterHook):
    """Base of LR schedules; subclasses implement ``get_lr(runner, base_lr)``.

    Args:
        by_epoch: Change the LR once per epoch (else every iteration). Defaults to True.
        warmup: None, 'constant', 'linear' or 'exp'. Defaults to None.
        warmup_iters: Warm-up length in iterations (epochs with ``warmup_by_epoch``). Defaults to 0.
        warmup_ratio: LR at the start of warm-up relative to the regular LR. Defaults to 0.1.
        warmup_by_epoch: Count ``warmup_iters`` in epochs. Defaults to False.
    """

    initial_key = 'initial_lr'

    def read_group(self, group: dict) -> float:
        return group['lr']

    def write_group(self, group: dict, value: float) -> None:
        group['lr'] = value

    def get_lr(self, runner, base_lr: float) -> float:
        raise NotImplementedError

    def get_value(self, runner, base_value: float) -> float:
        return self.get_lr(runner, base_value)

    @property
    def base_lr(self) -> Any:
        return self._base

    @base_lr.setter
    def base_lr(self, value: Any) -> None:
        self._base = value

    @property
    def regular_lr(self) -> Any:
        return self._regular

    @regular_lr.setter
    def regular_lr(self, value: Any) -> None:
        self._regular = value

    def get_regular_lr(self, runner) -> Any:
        return self.regular_values(runner)

    def get_warmup_lr(self, cur_iters: int) -> Any:
        return self.warmup_values(cur_iters)

    def _set_lr(self, runner, lr_groups: Any) -> None:
        self.write_values(runner, lr_groups)

    def _compute_regular(self, runner) -> Any:
        return self.get_regular_lr(runner)

    def _compute_warmup(self, cur_iter: int) -> Any:
        return self.get_warmup_lr(cur_iter)

    def _write(self, runner, values: Any) -> None:
        self._set_lr(runner, values)

    def _stock_lr(self, cls: type) -> bool:
        """Whether the LR comes from ``cls.get_lr`` through the stock methods."""
        return self._schedule_is_stock(LrUpdaterHook, ('get_regular_lr', '_set_lr')) and self._inherits('get_lr', cls)


def _target(base: float, minimum: float | None, ratio: float | None) -> float:
    return base * ratio if ratio is not None else minimum


def _check_min_xor_ratio(minimum: Any, ratio: Any, name: str = 'min_lr') -> None:
    if (minimum is None) == (ratio is None):
        raise ValueError(f'exactly one of {name} and {name}_ratio must be set, got '
                         f'{name}={minimum!r}, {name}_ratio={ratio!r}')


@HOOKS.register_module()
class FixedLrUpdaterHook(LrUpdaterHook):
    """Keep the base LR (only warm-up changes it)."""

    def get_lr(self, runner, base_lr):
        return base_lr

    def steady_until(self, runner) -> int:
        return sys.maxsize if self._stock_lr(FixedLrUpdaterHook) else -1


def check_step(step: Any) -> None:
    if isinstance(step, list):
        if not all(isinstance(s, int) and s > 0 for s in step):
            raise ValueError(f'"step" must be a list of positive ints, got {step}')
    elif isinstance(step, int):
        if step <= 0:
            raise ValueError(f'"step" must be positive, got {step}')
    else:
        raise TypeError(f'"step" must be a list or integer, got {type(step)}')


@HOOKS.register_module()
class StepLrUpdaterHook(LrUpdaterHook):
    """Multiply the LR by ``gamma`` every ``step`` (int) or at each milestone (list)."""

    def __init__(self, step: int | list, gamma: float = 0.1, min_lr: float | None = None, **kwargs):
        check_step(step)
        self.step, self.gamma, self.min_lr = step, gamma, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return S.step_value(base_lr, self.progress(runner)[0], self.step, self.gamma, self.min_lr)

    def steady_until(self, runner) -> int:
        if not self._stock_lr(StepLrUpdaterHook):
            return -1
        progress = self.progress(runner)[0]
        if isinstance(self.step, int):
            return (progress // self.step + 1) * self.step
        return next((milestone for milestone in self.step if milestone > progress), sys.maxsize)


@HOOKS.register_module()
class ExpLrUpdaterHook(LrUpdaterHook):
    """``base_lr * gamma ** progress``."""

    def __init__(self, gamma: float, **kwargs):
        self.gamma = gamma
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return base_lr * self.gamma**self.progress(runner)[0]


@HOOKS.register_module()
class PolyLrUpdaterHook(LrUpdaterHook):
    """``(base_lr - min_lr) * (1 - progress / max) ** power + min_lr``."""

    def __init__(self, power: float = 1., min_lr: float = 0., **kwargs):
        self.power, self.min_lr = power, min_lr
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = self.progress(runner)
        coeff = (1 - progress / max_progress)**self.power
        return (base_lr - self.min_lr) * coeff + self.min_lr


@HOOKS.register_module()
class InvLrUpdaterHook(LrUpdaterHook):
    """``base_lr * (1 + gamma * progress) ** -power``."""

    def __init__(self, gamma: float, power: float = 1., **kwargs):
        self.gamma, self.power = gamma, power
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        return base_lr * (1 + self.gamma * self.progress(runner)[0])**(-self.power)


@HOOKS.register_module()
class CosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Cosine from the base LR to ``min_lr`` (or ``base_lr * min_lr_ratio``) over training."""

    def __init__(self, min_lr: float | None = None, min_lr_ratio: float | None = None, **kwargs):
        _check_min_xor_ratio(min_lr, min_lr_ratio)
        self.min_lr, self.min_lr_ratio = min_lr, min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = self.progress(runner)
        return S.annealing_cos(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio),
                               progress / max_progress)


@HOOKS.register_module()
class LinearAnnealingLrUpdaterHook(CosineAnnealingLrUpdaterHook):
    """Linear from the base LR to ``min_lr`` (or ``base_lr * min_lr_ratio``) over training."""

    def get_lr(self, runner, base_lr):
        progress, max_progress = self.progress(runner)
        return S.annealing_linear(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio),
                                  progress / max_progress)


@HOOKS.register_module()
class FlatCosineAnnealingLrUpdaterHook(LrUpdaterHook):
    """Flat until ``start_percent`` of training, then cosine to the minimum."""

    def __init__(self, start_percent: float = 0.75, min_lr: float | None = None,
                 min_lr_ratio: float | None = None, **kwargs):
        _check_min_xor_ratio(min_lr, min_lr_ratio)
        if not isinstance(start_percent, float) or not 0 <= start_percent <= 1:
            raise ValueError(f'expected float between 0 and 1 start_percent, but got {start_percent}')
        self.start_percent, self.min_lr, self.min_lr_ratio = start_percent, min_lr, min_lr_ratio
        super().__init__(**kwargs)

    def get_lr(self, runner, base_lr):
        progress, max_progress = self.progress(runner)
        start = round(max_progress * self.start_percent)
        if progress - start < 0:
            return base_lr
        return S.annealing_cos(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio),
                               (progress - start) / (max_progress - start))


@HOOKS.register_module()
class CosineRestartLrUpdaterHook(LrUpdaterHook):
    """Cosine annealing restarted after each of ``periods``, scaled by ``restart_weights``."""

    def __init__(self, periods: list, restart_weights: list = [1],  # noqa: B006 - mmcv default
                 min_lr: float | None = None, min_lr_ratio: float | None = None, **kwargs):
        _check_min_xor_ratio(min_lr, min_lr_ratio)
        if len(periods) != len(restart_weights):
            raise ValueError('periods and restart_weights should have the same length, got '
                             f'{periods} and {restart_weights}')
        self.periods, self.restart_weights = periods, restart_weights
        self.min_lr, self.min_lr_ratio = min_lr, min_lr_ratio
        super().__init__(**kwargs)
        self.cumulative_periods = [sum(periods[:i + 1]) for i in range(len(periods))]

    def get_lr(self, runner, base_lr):
        return S.cosine_restart_value(base_lr, _target(base_lr, self.min_lr, self.min_lr_ratio),
                                      self.progress(runner)[0], self.periods,
                                      self.cumulative_periods, self.restart_weights)


@HOOKS.register_module()
class CyclicLrUpdaterHook(LrUpdaterHook):
    """Cyclic LR: up to ``base_lr * target_ratio[0]`` then down to ``base_lr * target_ratio[1]``,
    ``cyclic_times`` times over training (per iteration only)."""

    def __init__(self, by_epoch: bool = False, target_ratio: Any = (10, 1e-4), cyclic_times: int = 1,
                 step_ratio_up: float = 0.4, anneal_strategy: str = 'cos', gamma: float = 1,
                 **kwargs):
        self.target_ratio = S.normalize_target_ratio(target_ratio)
        if not 0 <= step_ratio_up < 1.0:
            raise ValueError(f'"step_ratio_up" must be in range [0,1), got {step_ratio_up}')
        if not 0 < gamma <= 1:
            raise ValueError(f'"gamma" must be in range (0, 1], got {gamma}')
        if by_epoch:
            raise ValueError('currently only support "by_epoch" = False')
        self.cyclic_times, self.step_ratio_up, self.gamma = cyclic_times, step_ratio_up, gamma
        self.anneal_func = S.get_annealer(anneal_strategy)
        self.max_iter_per_phase = None
        self.lr_phases: list = []
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase, self.lr_phases = S.cyclic_phases(
            runner.max_iters, self.cyclic_times, self.step_ratio_up, self.target_ratio)

    def get_lr(self, runner, base_lr):
        return S.cyclic_value(base_lr, runner.iter, self.max_iter_per_phase, self.lr_phases,
                              self.gamma, self.anneal_func)


def format_param(name: str, optim, param: Any) -> list:
    """Expand a per-optimizer setting to one value per param group."""
    if isinstance(param, numbers.Number):
        return [param] * len(optim.param_groups)
    if isinstance(param, (list, tuple)):
        if len(param) != len(optim.param_groups):
            raise ValueError(f'expected {len(optim.param_groups)} values for {name}, got {len(param)}')
        return list(param)
    if name not in param:
        raise ReadableKeyError(f'{name} is not found in {param.keys()}')
    return format_param(name, optim, param[name])  # a number per optimizer is expanded too


@HOOKS.register_module()
class OneCycleLrUpdaterHook(LrUpdaterHook):
    """The one-cycle policy (per iteration): ``max_lr / div_factor`` up to ``max_lr`` over
    ``pct_start`` of ``total_steps``, then down to ``max_lr / div_factor / final_div_factor``."""

    def __init__(self, max_lr: Any, total_steps: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = 'cos', div_factor: float = 25, final_div_factor: float = 1e4,
                 three_phase: bool = False, **kwargs):
        if kwargs.setdefault('by_epoch', False):
            raise ValueError('currently only support "by_epoch" = False')
        if not isinstance(max_lr, (numbers.Number, list, dict)):
            raise ValueError(f'the type of max_lr must be the one of list or dict, but got {type(max_lr)}')
        if total_steps is not None and not isinstance(total_steps, int):
            raise ValueError(f'the type of total_steps must be int, but got {type(total_steps)}')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f'expected float between 0 and 1 pct_start, but got {pct_start}')
        self._max_lr, self.total_steps, self.pct_start = max_lr, total_steps, pct_start
        self.anneal_func = S.get_annealer(anneal_strategy)
        self.div_factor, self.final_div_factor, self.three_phase = div_factor, final_div_factor, three_phase
        self.lr_phases: list = []
        super().__init__(**kwargs)

    def before_run(self, runner):
        total_steps = self.total_steps if self.total_steps is not None else runner.max_iters
        if total_steps < runner.max_iters:
            raise ValueError('The total steps must be greater than or equal to max iterations '
                             f'{runner.max_iters} of runner, but total steps is {total_steps}.')

        def base_of(name, optim):
            base = [lr / self.div_factor for lr in format_param(
                name or type(optim).__name__, optim, self._max_lr)]
            for group, lr in zip(optim.param_groups, base):
                group.setdefault('initial_lr', lr)
            return base

        self.base_lr = {k: base_of(k, o) for k, o in runner.optimizer.items()} if isinstance(
            runner.optimizer, dict) else base_of(None, runner.optimizer)
        pct = float(self.pct_start * total_steps)
        if self.three_phase:
            self.lr_phases = [[pct - 1, 1, self.div_factor], [2 * pct - 2, self.div_factor, 1],
                              [total_steps - 1, 1, 1 / self.final_div_factor]]
        else:
            self.lr_phases = [[pct - 1, 1, self.div_factor],
                              [total_steps - 1, self.div_factor, 1 / self.final_div_factor]]

    def get_lr(self, runner, base_lr):
        start_iter = 0
        for end_iter, start_lr, end_lr in self.lr_phases:
            if runner.iter <= end_iter:
                pct = (runner.iter - start_iter) / (end_iter - start_iter)
                return self.anneal_func(base_lr * start_lr, base_lr * end_lr, pct)
            start_iter = end_iter
        raise ValueError(f'iteration {runner.iter} is past total_steps of the one-cycle schedule')
