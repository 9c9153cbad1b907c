"""``Hook``: the base of everything the runner calls around epochs and iterations.

Calling order of one ``EpochBasedRunner.run``::

    before_run
    per epoch of a 'train' flow:  before_train_epoch
                                  per batch: before_train_iter, train_step, after_train_iter
                                  after_train_epoch
    per epoch of a 'val' flow:    before_val_epoch, (before_val_iter, val_step, after_val_iter)*,
                                  after_val_epoch
    after_run

``before_epoch``/``after_epoch``/``before_iter``/``after_iter`` are the shared defaults of the train
and val variants. Hooks run in priority order (lower value first; equal priorities keep
registration order). A hook receives the runner and may read its public state (``model``,
``optimizer``, ``data_loader``, ``data_batch``, ``outputs``, ``log_buffer``, ``epoch``, ``iter``,
``inner_iter``, ``max_epochs``, ``max_iters``, ``mode``, ``meta``, ``work_dir``, ``logger``);
``outputs`` is valid from ``after_*_iter`` until the next iteration.
"""
from __future__ import annotations

from ...utils import Registry, is_method_overridden

HOOKS = Registry('hook')

_SHARED_STAGES = {
    'before_epoch': ('before_train_epoch', 'before_val_epoch'),
    'after_epoch': ('after_train_epoch', 'after_val_epoch'),
    'before_iter': ('before_train_iter', 'before_val_iter'),
    'after_iter': ('after_train_iter', 'after_val_iter'),
}

_FORWARDED = {stage: shared for shared, stages in _SHARED_STAGES.items() for stage in stages}


class Hook:
    """Base class of runner hooks; override the stages you need."""

    stages = ('before_run', 'before_train_epoch', 'before_train_iter', 'after_train_iter',
              'after_train_epoch', 'before_val_epoch', 'before_val_iter', 'after_val_iter',
              'after_val_epoch', 'after_run')

    def before_run(self, runner) -> None:
        pass

    def after_run(self, runner) -> None:
        pass

    def before_epoch(self, runner) -> None:
        pass

    def after_epoch(self, runner) -> None:
        pass

    def before_iter(self, runner) -> None:
        pass

    def after_iter(self, runner) -> None:
        pass

    def before_train_epoch(self, runner) -> None:
        self.before_epoch(runner)

    def before_val_epoch(self, runner) -> None:
        self.before_epoch(runner)

    def after_train_epoch(self, runner) -> None:
        self.after_epoch(runner)

    def after_val_epoch(self, runner) -> None:
        self.after_epoch(runner)

    def before_train_iter(self, runner) -> None:
        self.before_iter(runner)

    def before_val_iter(self, runner) -> None:
        self.before_iter(runner)

    def after_train_iter(self, runner) -> None:
        self.after_iter(runner)

    def after_val_iter(self, runner) -> None:
        self.after_iter(runner)

    def every_n_epochs(self, runner, n: int) -> bool:
        return (runner.epoch + 1) % n == 0 if n > 0 else False

    def every_n_inner_iters(self, runner, n: int) -> bool:
        return (runner.inner_iter + 1) % n == 0 if n > 0 else False

    def every_n_iters(self, runner, n: int) -> bool:
        return (runner.iter + 1) % n == 0 if n > 0 else False

    def end_of_epoch(self, runner) -> bool:
        return runner.inner_iter + 1 == len(runner.data_loader)

    def is_last_epoch(self, runner) -> bool:
        return runner.epoch + 1 == runner._max_epochs

    def is_last_iter(self, runner) -> bool:
        return runner.iter + 1 == runner._max_iters

    def _overrides(self, stage: str) -> bool:
        # instance attributes count too (ClosureHook sets its function on the instance)
        return stage in self.__dict__ or is_method_overridden(stage, Hook, self)

    def stage_method(self, stage: str):
        """The bound method the runner calls at ``stage``: a train/val stage this class only
        inherits from Hook (which forwards to the shared ``before_iter``, ``after_epoch``...)
        binds the shared method directly, saving a call per iteration."""
        if stage in _FORWARDED and not self._overrides(stage):
            return getattr(self, _FORWARDED[stage])
        return getattr(self, stage)

    def idle_at(self, stage: str, runner) -> bool:
        """Whether this hook's ``stage`` method would do nothing until the next epoch-level
        stage, so the runner may skip calling it (asked again at every epoch boundary)."""
        return False

    def _inherits(self, stage: str, cls: type) -> bool:
        """Whether ``stage`` is ``cls``'s own method here (not replaced by a subclass or on the
        instance): what ``idle_at`` knows about ``cls`` then holds."""
        return stage not in self.__dict__ and getattr(type(self), stage) is getattr(cls, stage)

    def get_triggered_stages(self) -> list[str]:
        """The stages at which this hook does something (for the runner's hook table)."""
        stages = {stage for stage in Hook.stages if self._overrides(stage)}
        for method, mapped in _SHARED_STAGES.items():
            if self._overrides(method):
                stages.update(mapped)
        return [stage for stage in Hook.stages if stage in stages]
