"""Momentum schedules: ``MomentumUpdaterHook`` and mmcv's 5 policies (``momentum_config``).

Momentum means ``group['momentum']`` (SGD, RMSprop) or ``group['betas'][0]`` (Adam family).
Warm-up divides the regular momentum by the warm-up factor, as in mmcv.
"""
from __future__ import annotations

from typing import Any

from . import _schedules as S
from .hook import HOOKS
from .lr_updater import _check_min_xor_ratio, _target, check_step, format_param
from .param_updater import ParamUpdaterHook


class MomentumUpdaterHook(ParamUpdaterHook):
    """Base of momentum schedules; subclasses implement ``get_momentum(runner, base_momentum)``.

    Args:
        by_epoch: Change momentum once per epoch (else every iteration). Defaults to True.
        warmup: None, 'constant', 'linear' or 'exp'. Defaults to None.
        warmup_iters: Warm-up length in iterations. Defaults to 0.
        warmup_ratio: Warm-up strength (regular momentum divided by it at the start). Defaults to 0.9.
    """

    initial_key = 'initial_momentum'
    inverse_warmup = True

    def __init__(self, by_epoch: bool = True, warmup: str | None = None, warmup_iters: int = 0,
                 warmup_ratio: float = 0.9):
        super().__init__(by_epoch, warmup, warmup_iters, warmup_ratio)

    def read_group(self, group: dict) -> float:
        return group['momentum'] if 'momentum' in group else group['betas'][0]

    def write_group(self, group: dict, value: float) -> None:
        if 'momentum' in group:
            group['momentum'] = value
        elif 'betas' in group:
            group['betas'] = (value, group['betas'][1])

    def get_momentum(self, runner, base_momentum: float) -> float:
        raise NotImplementedError

    def get_value(self, runner, base_value: float) -> float:
        return self.get_momentum(runner, base_value)

    @property
    def base_momentum(self) -> Any:
        return self._base

    @base_momentum.setter
    def base_momentum(self, value: Any) -> None:
        self._base = value

    @property
    def regular_momentum(self) -> Any:
        return self._regular

    @regular_momentum.setter
    def regular_momentum(self, value: Any) -> None:
        self._regular = value

    def get_regular_momentum(self, runner) -> Any:
        return self.regular_values(runner)

    def get_warmup_momentum(self, cur_iters: int) -> Any:
        return self.warmup_values(cur_iters)

    def _set_momentum(self, runner, momentum_groups: Any) -> None:
        self.write_values(runner, momentum_groups)

    def _compute_regular(self, runner) -> Any:
        return self.get_regular_momentum(runner)

    def _compute_warmup(self, cur_iter: int) -> Any:
        return self.get_warmup_momentum(cur_iter)

    def _write(self, runner, values: Any) -> None:
        self._set_momentum(runner, values)


@HOOKS.register_module()
class StepMomentumUpdaterHook(MomentumUpdaterHook):
    """Multiply momentum by ``gamma`` every ``step`` (int) or at each milestone (list)."""

    def __init__(self, step: int | list, gamma: float = 0.5, min_momentum: float | None = None,
                 **kwargs):
        check_step(step)
        self.step, self.gamma, self.min_momentum = step, gamma, min_momentum
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        return S.step_value(base_momentum, self.progress(runner)[0], self.step, self.gamma,
                            self.min_momentum)


@HOOKS.register_module()
class CosineAnnealingMomentumUpdaterHook(MomentumUpdaterHook):
    """Cosine from the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``)."""

    def __init__(self, min_momentum: float | None = None, min_momentum_ratio: float | None = None,
                 **kwargs):
        _check_min_xor_ratio(min_momentum, min_momentum_ratio, 'min_momentum')
        self.min_momentum, self.min_momentum_ratio = min_momentum, min_momentum_ratio
        super().__init__(**kwargs)

    def get_momentum(self, runner, base_momentum):
        progress, max_progress = self.progress(runner)
        return S.annealing_cos(base_momentum,
                               _target(base_momentum, self.min_momentum, self.min_momentum_ratio),
                               progress / max_progress)


@HOOKS.register_module()
class LinearAnnealingMomentumUpdaterHook(CosineAnnealingMomentumUpdaterHook):
    """Linear from the base momentum to ``min_momentum`` (or ``base * min_momentum_ratio``)."""

    def get_momentum(self, runner, base_momentum):
        progress, max_progress = self.progress(runner)
        return S.annealing_linear(base_momentum,
                                  _target(base_momentum, self.min_momentum, self.min_momentum_ratio),
                                  progress / max_progress)


@HOOKS.register_module()
class CyclicMomentumUpdaterHook(MomentumUpdaterHook):
    """Cyclic momentum (per iteration), the mirror of ``CyclicLrUpdaterHook``."""

    def __init__(self, by_epoch: bool = False, target_ratio: Any = (0.85 / 0.95, 1),
                 cyclic_times: int = 1, step_ratio_up: float = 0.4, anneal_strategy: str = 'cos',
                 gamma: float = 1, **kwargs):
        self.target_ratio = S.normalize_target_ratio(target_ratio)
        if not 0 <= step_ratio_up < 1.0:
            raise ValueError(f'"step_ratio_up" must be in range [0,1), got {step_ratio_up}')
        if by_epoch:
            raise ValueError('currently only support "by_epoch" = False')
        self.cyclic_times, self.step_ratio_up, self.gamma = cyclic_times, step_ratio_up, gamma
        self.anneal_func = S.get_annealer(anneal_strategy)
        self.max_iter_per_phase = None
        self.momentum_phases: list = []
        super().__init__(by_epoch, **kwargs)

    def before_run(self, runner):
        super().before_run(runner)
        self.max_iter_per_phase, self.momentum_phases = S.cyclic_phases(
            runner.max_iters, self.cyclic_times, self.step_ratio_up, self.target_ratio)

    def get_momentum(self, runner, base_momentum):
        return S.cyclic_value(base_momentum, runner.iter, self.max_iter_per_phase,
                              self.momentum_phases, self.gamma, self.anneal_func)


@HOOKS.register_module()
class OneCycleMomentumUpdaterHook(MomentumUpdaterHook):
    """One-cycle momentum: ``max_momentum`` down to ``base_momentum`` while the LR rises, then back."""

    def __init__(self, base_momentum: Any = 0.85, max_momentum: Any = 0.95, pct_start: float = 0.3,
                 anneal_strategy: str = 'cos', three_phase: bool = False, **kwargs):
        if kwargs.setdefault('by_epoch', False):
            raise ValueError('currently only support "by_epoch" = False')
        for name, value in (('base_momentum', base_momentum), ('max_momentum', max_momentum)):
            if not isinstance(value, (float, list, dict)):
                raise ValueError(f'{name} must be the type among of float,list or dict.')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f'Expected float between 0 and 1 pct_start, but got {pct_start}')
        self._base_momentum, self._max_momentum = base_momentum, max_momentum
        self.pct_start, self.three_phase = pct_start, three_phase
        self.anneal_func = S.get_annealer(anneal_strategy)
        self.momentum_phases: list = []
        super().__init__(**kwargs)

    def _prepare_groups(self, name: str, optim) -> None:
        if 'momentum' not in optim.defaults and 'betas' not in optim.defaults:
            raise ValueError('optimizer must support momentum with option enabled')
        bases = format_param(name, optim, self._base_momentum)
        maxes = format_param(name, optim, self._max_momentum)
        for group, low, high in zip(optim.param_groups, bases, maxes):
            self.write_group(group, high)
            group['base_momentum'], group['max_momentum'] = low, high

    def before_run(self, runner):
        if isinstance(runner.optimizer, dict):
            for name, optim in runner.optimizer.items():
                self._prepare_groups(name, optim)
        else:
            self._prepare_groups(type(runner.optimizer).__name__, runner.optimizer)
        pct, last = float(self.pct_start * runner.max_iters), runner.max_iters - 1
        phases = [(pct - 1, 'max_momentum', 'base_momentum')]
        if self.three_phase:
            phases += [(2 * pct - 2, 'base_momentum', 'max_momentum'), (last, 'max_momentum', 'max_momentum')]
        else:
            phases += [(last, 'base_momentum', 'max_momentum')]
        self.momentum_phases = [dict(end_iter=e, start_momentum=s, end_momentum=t) for e, s, t in phases]

    def get_momentum(self, runner, param_group: dict) -> float:
        start_iter = 0
        for i, phase in enumerate(self.momentum_phases):
            end_iter = phase['end_iter']
            if runner.iter <= end_iter or i == len(self.momentum_phases) - 1:
                pct = (runner.iter - start_iter) / (end_iter - start_iter)
                return self.anneal_func(param_group[phase['start_momentum']],
                                        param_group[phase['end_momentum']], pct)
            start_iter = end_iter
        raise AssertionError('unreachable: the last phase always matches')

    def get_regular_momentum(self, runner) -> Any:

        def per_group(_name, optim):
            return [self.get_momentum(runner, group) for group in optim.param_groups]

        if isinstance(runner.optimizer, dict):
            return {k: per_group(k, o) for k, o in runner.optimizer.items()}
        return per_group(None, runner.optimizer)
