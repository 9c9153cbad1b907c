"""mmdet's ``EvalHook``/``DistEvalHook``: detection inference and ``dynamic_intervals``."""
from __future__ import annotations

import bisect
import inspect

from ...runner.hooks.evaluation import DistEvalHook as BaseDistEvalHook
from ...runner.hooks.evaluation import EvalHook as BaseEvalHook
from .det_inference import multi_gpu_test, single_gpu_test


def _calc_dynamic_intervals(start_interval: int, dynamic_interval_list: list | None) -> tuple[list, list]:
    if dynamic_interval_list is None:
        return [0], [start_interval]
    milestones, intervals = [0], [start_interval]
    for milestone, interval in dynamic_interval_list:
        milestones.append(milestone)
        intervals.append(interval)
    return milestones, intervals


class _DynamicIntervalMixin:
    """``dynamic_intervals=[(epoch_or_iter, interval), ...]`` switches the interval at milestones."""

    def _init_dynamic(self, dynamic_intervals) -> None:
        self.use_dynamic_intervals = dynamic_intervals is not None
        if self.use_dynamic_intervals:
            self.dynamic_milestones, self.dynamic_intervals = _calc_dynamic_intervals(self.interval,
                                                                                      dynamic_intervals)

    def _decide_interval(self, runner) -> None:
        if self.use_dynamic_intervals:
            progress = runner.epoch if self.by_epoch else runner.iter
            step = bisect.bisect(self.dynamic_milestones, progress + 1)
            self.interval = self.dynamic_intervals[step - 1]

    def before_train_epoch(self, runner) -> None:
        self._decide_interval(runner)
        super().before_train_epoch(runner)

    def before_train_iter(self, runner) -> None:
        self._decide_interval(runner)
        super().before_train_iter(runner)


class EvalHook(_DynamicIntervalMixin, BaseEvalHook):
    """Evaluate with detection inference (results rescaled to the original images, masks encoded)."""

    def __init__(self, *args, dynamic_intervals: list | None = None, **kwargs):
        kwargs.setdefault('test_fn', single_gpu_test)
        super().__init__(*args, **kwargs)
        self._init_dynamic(dynamic_intervals)


class DistEvalHook(_DynamicIntervalMixin, BaseDistEvalHook):
    """Distributed evaluation with detection inference."""

    def __init__(self, *args, dynamic_intervals: list | None = None, **kwargs):
        kwargs.setdefault('test_fn', multi_gpu_test)
        super().__init__(*args, **kwargs)
        self._init_dynamic(dynamic_intervals)


def hook_argument_names() -> frozenset:
    """Constructor arguments of ``EvalHook``/``DistEvalHook`` and their bases: the keys of a
    config's ``evaluation`` dict that the hook takes, as opposed to ``dataset.evaluate`` options."""
    names = set()
    for klass in EvalHook.__mro__ + DistEvalHook.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None or not inspect.isfunction(init):
            continue
        names.update(name for name, param in inspect.signature(init).parameters.items()
                     if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY))
    return frozenset(names - {'self', 'dataloader'})


def dataset_evaluate_kwargs(evaluation: dict | None, metric, options: dict | None = None) -> dict:
    """Keyword arguments for ``dataset.evaluate`` from a config's ``evaluation`` dict (its
    EvalHook-only keys dropped; mmdet 2.x dropped only seven of them), ``metric`` and the
    ``--eval-options`` given on a command line."""
    hook_only = hook_argument_names()
    kwargs = {k: v for k, v in (evaluation or {}).items() if k not in hook_only}
    kwargs.update(metric=metric, **(options or {}))
    return kwargs
