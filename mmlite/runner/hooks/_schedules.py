"""Pure schedule functions shared by the LR and momentum updater hooks.

Each maps training progress and a base value to the scheduled value; the formulas (and their
floating-point operation order) follow mmcv 1.x so schedules match it value for value.
"""
from __future__ import annotations

from math import cos, pi
from typing import Callable, Sequence


def annealing_cos(start: float, end: float, factor: float, weight: float = 1.) -> float:
    """Cosine from ``start`` (factor 0) to ``end`` (factor 1); ``weight`` scales the amplitude."""
    cos_out = cos(pi * factor) + 1
    return end + 0.5 * weight * (start - end) * cos_out


def annealing_linear(start: float, end: float, factor: float) -> float:
    """Linear from ``start`` (factor 0) to ``end`` (factor 1)."""
    return start + (end - start) * factor


ANNEALERS: dict[str, Callable] = {'cos': annealing_cos, 'linear': annealing_linear}


def get_annealer(strategy: str) -> Callable:
    if strategy not in ANNEALERS:
        raise ValueError(f'anneal_strategy must be one of "cos" or "linear", instead got {strategy}')
    return ANNEALERS[strategy]


def warmup_factor(kind: str, cur_iter: int, warmup_iters: int, ratio: float) -> float:
    """Multiplier of the regular value during warm-up ('constant', 'linear' or 'exp')."""
    if kind == 'constant':
        return ratio
    if kind == 'linear':
        return 1 - (1 - cur_iter / warmup_iters) * (1 - ratio)
    return ratio**(1 - cur_iter / warmup_iters)


def step_exponent(progress: int, step: int | Sequence[int]) -> int:
    """How many decay steps have passed at ``progress``."""
    if isinstance(step, int):
        return progress // step
    for i, milestone in enumerate(step):
        if progress < milestone:
            return i
    return len(step)


def step_value(base: float, progress: int, step: int | Sequence[int], gamma: float,
               minimum: float | None) -> float:
    value = base * gamma**step_exponent(progress, step)
    return max(value, minimum) if minimum is not None else value


def position_in_periods(iteration: int, cumulative_periods: Sequence[int]) -> int:
    """Index of the restart period containing ``iteration``."""
    for i, period in enumerate(cumulative_periods):
        if iteration < period:
            return i
    raise ValueError(f'Current iteration {iteration} exceeds cumulative_periods {cumulative_periods}')


def cosine_restart_value(base: float, target: float, progress: int, periods: Sequence[int],
                         cumulative: Sequence[int], weights: Sequence[float]) -> float:
    idx = position_in_periods(progress, cumulative)
    nearest_restart = 0 if idx == 0 else cumulative[idx - 1]
    alpha = min((progress - nearest_restart) / periods[idx], 1)
    return annealing_cos(base, target, alpha, weights[idx])


def cyclic_phases(max_iters: int, cyclic_times: int, step_ratio_up: float,
                  target_ratio: tuple) -> tuple[int, list[list]]:
    """``(iterations per cycle, [[start, end, start_ratio, end_ratio], up, down])``."""
    per_cycle = max_iters // cyclic_times
    up = int(step_ratio_up * per_cycle)
    return per_cycle, [[0, up, 1, target_ratio[0]], [up, per_cycle, target_ratio[0], target_ratio[1]]]


def cyclic_value(base: float, iteration: int, per_cycle: int, phases: list, gamma: float,
                 anneal: Callable) -> float | None:
    cur = iteration % per_cycle
    scale = gamma**(iteration // per_cycle)
    for start, end, start_ratio, end_ratio in phases:
        if start <= cur < end:
            # later cycles shrink towards the base value by gamma per cycle
            if start == 0:
                end_ratio = 1 - scale + end_ratio * scale
            else:
                start_ratio = 1 - scale + start_ratio * scale
            return anneal(base * start_ratio, base * end_ratio, (cur - start) / (end - start))
    return None


def normalize_target_ratio(target_ratio) -> tuple:
    """mmcv's accepted forms of a cyclic ``target_ratio``: a float or a 1- or 2-tuple."""
    if isinstance(target_ratio, float):
        return (target_ratio, target_ratio / 1e5)
    if isinstance(target_ratio, tuple):
        ratio = (target_ratio[0], target_ratio[0] / 1e5) if len(target_ratio) == 1 else target_ratio
        if len(ratio) != 2:
            raise ValueError('"target_ratio" must be list or tuple of two floats')
        return ratio
    raise ValueError(f'target_ratio should be either float or tuple, got {type(target_ratio)}')
