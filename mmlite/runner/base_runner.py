"""``BaseRunner``: state, hooks and checkpoints shared by the epoch- and iteration-based runners.

Contract (who sets what, and when it is valid)::

    model, optimizer, batch_processor, work_dir, logger, meta, timestamp  set at construction
    mode            'train' / 'val', set by train()/val() before any hook of that phase
    data_loader     the loader of the running phase, set by train()/val()
    data_batch      the current batch, between before_*_iter and after_*_iter
    outputs         what train_step/val_step returned, from after_*_iter to the next iteration
    log_buffer      values to log (LoggerHooks average and clear it)
    epoch / _epoch  finished epochs (0-based current epoch); advanced after after_train_epoch
    iter / _iter    finished training iterations; advanced after after_train_iter
    inner_iter      index of the current batch within the phase
    max_epochs / max_iters  training length (max_iters = max_epochs * len(train loader))
"""
from __future__ import annotations

import logging
import os.path as osp
import warnings
from abc import ABCMeta, abstractmethod
from typing import Any, Callable

import torch
from torch.optim import Optimizer

from ..parallel import is_module_wrapper
from ..utils import build_from_cfg, get_logger, is_str, mkdir_or_exist
from . import _hook_registration as reg
from ._preemption import PreemptionMixin
from ._runner_checkpointing import CheckpointMixin
from .dist_utils import get_dist_info
from .hooks import HOOKS, Hook
from .log_buffer import LogBuffer
from .priority import Priority, get_priority
from .utils import get_time_str

_EPOCH_LEVEL_STAGES = frozenset(stage for stage in Hook.stages if not stage.endswith('_iter'))


def _check_optimizer(optimizer: Any) -> None:
    if isinstance(optimizer, dict):
        for name, optim in optimizer.items():
            if not isinstance(optim, Optimizer):
                raise TypeError(f'optimizer must be a dict of torch.optim.Optimizers, but '
                                f'optimizer["{name}"] is a {type(optim)}')
    elif optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f'optimizer must be a torch.optim.Optimizer object or dict or None, but got '
                        f'{type(optimizer)}')


def _check_step_source(model, inner, batch_processor) -> None:
    """Exactly one of ``batch_processor`` and ``model.train_step`` drives the iterations."""
    if batch_processor is not None:
        if not callable(batch_processor):
            raise TypeError(f'batch_processor must be callable, but got {type(batch_processor)}')
        warnings.warn('batch_processor is deprecated, please implement train_step() and '
                      'val_step() in the model instead.', DeprecationWarning)
        if hasattr(inner, 'train_step') or hasattr(inner, 'val_step'):
            raise RuntimeError('batch_processor and model.train_step()/model.val_step() cannot '
                               'be both available.')
    elif not hasattr(model, 'train_step'):
        raise TypeError(f'{type(inner).__name__} has no train_step(); implement train_step() and '
                        'val_step() or pass a batch_processor')


def _group_values(optimizer: Any, read: Callable[[dict], float], what: str) -> Any:
    if isinstance(optimizer, Optimizer):
        return [read(group) for group in optimizer.param_groups]
    if isinstance(optimizer, dict):
        return {name: [read(g) for g in optim.param_groups] for name, optim in optimizer.items()}
    raise RuntimeError(f'{what} is not applicable because optimizer does not exist.')


def _momentum_of(group: dict) -> float:
    if 'momentum' in group:
        return group['momentum']
    if 'betas' in group:
        return group['betas'][0]
    return 0


class BaseRunner(CheckpointMixin, PreemptionMixin, metaclass=ABCMeta):
    """The base of runners (see the module docstring for the state contract).

    Args:
        model: The model; it (or its ``.module``) has ``train_step``/``val_step`` unless a
            ``batch_processor`` is given.
        batch_processor: Legacy ``fn(model, data, train_mode, **kwargs)`` → dict. Defaults to None.
        optimizer: An optimizer, a dict of them, or None.
        work_dir: Where checkpoints and logs go (created). Defaults to None.
        logger: A ``logging.Logger``; the ``mmlite`` logger when None.
        meta: Metadata saved in checkpoints (env info, config, seed...). Defaults to None.
        max_iters: Training length in iterations (IterBasedRunner).
        max_epochs: Training length in epochs (EpochBasedRunner).
        preemption_signals: Signals after which training saves a checkpoint and exits
            (mmlite addition). Defaults to ``('SIGTERM', 'SIGINT')``; add e.g. ``'SIGUSR1'`` for
            Slurm's ``--signal``.
    """

    def __init__(self, model: torch.nn.Module, batch_processor: Callable | None = None,
                 optimizer: Any = None, work_dir: str | None = None,
                 logger: logging.Logger | None = None, meta: dict | None = None,
                 max_iters: int | None = None, max_epochs: int | None = None,
                 preemption_signals: Any = None):
        inner = model.module if is_module_wrapper(model) else model
        _check_step_source(model, inner, batch_processor)
        _check_optimizer(optimizer)
        if logger is None:
            logger = get_logger('mmlite')
        if not isinstance(logger, logging.Logger):
            raise TypeError(f'logger must be a logging.Logger object, but got {type(logger)}')
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f'meta must be a dict or None, but got {type(meta)}')
        if max_epochs is not None and max_iters is not None:
            raise ValueError('Only one of `max_epochs` or `max_iters` can be set.')
        self.model = model
        self.batch_processor = batch_processor
        self.optimizer = optimizer
        self.logger = logger
        self.meta = meta
        if is_str(work_dir):
            self.work_dir = osp.abspath(work_dir)
            mkdir_or_exist(self.work_dir)
        elif work_dir is None:
            self.work_dir = None
        else:
            raise TypeError(f'"work_dir" must be a str or None, got {type(work_dir)}')
        self._model_name = type(inner).__name__
        self._rank, self._world_size = get_dist_info()
        self.timestamp = get_time_str()
        self.mode: str | None = None
        self._hooks: list[Hook] = []
        # stage -> (hook, method) of the hooks that act at that stage; rebuilt by register_hook
        # and when _hooks changes length (code that appends to or removes from it directly)
        self._stage_cache: dict[str, list] = {}
        self._stage_cache_len = 0
        self._epoch = 0
        self._iter = 0
        self._inner_iter = 0
        self._max_epochs = max_epochs
        self._max_iters = max_iters
        self.log_buffer = LogBuffer()
        self._resume_state: dict | None = None  # exact-resume extras, consumed by run()
        self._set_preemption_signals(preemption_signals)
        # True while after_train_iter hooks run: the current iteration has finished but _iter has
        # not advanced yet, so a checkpoint saved then must count it as done.
        self._iter_finished = False

    # ---- read-only state ---------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def rank(self) -> int:
        return self._rank

    @property
    def world_size(self) -> int:
        return self._world_size

    @property
    def hooks(self) -> list[Hook]:
        return self._hooks

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def inner_iter(self) -> int:
        return self._inner_iter

    @property
    def max_epochs(self) -> int | None:
        return self._max_epochs

    @property
    def max_iters(self) -> int | None:
        return self._max_iters

    @abstractmethod
    def train(self, data_loader, **kwargs):
        pass

    @abstractmethod
    def val(self, data_loader, **kwargs):
        pass

    @abstractmethod
    def run(self, data_loaders: list, workflow: list, **kwargs):
        pass

    @abstractmethod
    def save_checkpoint(self, out_dir: str, filename_tmpl: str, save_optimizer: bool = True,
                        meta: dict | None = None, create_symlink: bool = True):
        pass

    def current_lr(self) -> list | dict:
        """LR of each param group (a dict of lists for several optimizers)."""
        return _group_values(self.optimizer, lambda g: g['lr'], 'lr')

    def current_momentum(self) -> list | dict:
        """Momentum (or Adam's beta1; 0 when absent) of each param group."""
        return _group_values(self.optimizer, _momentum_of, 'momentum')

    # ---- iteration ---------------------------------------------------------------------------
    def _val_step(self, data_batch: Any, **kwargs) -> Any:
        return self.model.val_step(data_batch, self.optimizer, **kwargs)

    def run_iter(self, data_batch: Any, train_mode: bool, **kwargs) -> None:
        """One step: batch_processor / train_step / val_step, check, log, keep ``outputs``."""
        if self.batch_processor is not None:
            outputs = self.batch_processor(self.model, data_batch, train_mode=train_mode, **kwargs)
        elif train_mode:
            outputs = self.model.train_step(data_batch, self.optimizer, **kwargs)
        else:
            outputs = self._val_step(data_batch, **kwargs)
        if not isinstance(outputs, dict):
            source = 'batch_processor()' if self.batch_processor is not None else (
                'model.train_step()' if train_mode else 'model.val_step()')
            raise TypeError(f'{source} must return a dict with "loss", "log_vars" and '
                            f'"num_samples", but returned {type(outputs).__name__}: {outputs!r:.200}')
        if 'log_vars' in outputs:
            self.log_buffer.update(outputs['log_vars'], outputs['num_samples'])
        self.outputs = outputs

    def _report_failure(self, exc: BaseException, where: str) -> None:
        if getattr(exc, '_mmlite_reported', False):
            return
        self.logger.error('%s failed (mode=%s, epoch %d, iter %d, inner_iter %d): %s: %s', where,
                          self.mode, self._epoch + 1, self._iter + 1, self._inner_iter + 1,
                          type(exc).__name__, exc)
        try:
            exc._mmlite_reported = True
        except AttributeError:
            pass

    # ---- hooks -------------------------------------------------------------------------------
    def register_hook(self, hook: Hook, priority: int | str | Priority = 'NORMAL') -> None:
        """Insert ``hook`` by priority (after hooks of equal priority)."""
        if not isinstance(hook, Hook):
            raise TypeError(f'hook must be a Hook instance, got {type(hook).__name__}')
        if hasattr(hook, 'priority'):
            raise ValueError('"priority" is a reserved attribute for hooks')
        hook.priority = get_priority(priority)
        self._stage_cache = {}
        index = len(self._hooks)
        while index > 0 and self._hooks[index - 1].priority > hook.priority:
            index -= 1
        self._hooks.insert(index, hook)

    def register_hook_from_cfg(self, hook_cfg: dict) -> None:
        """Build a hook from a dict (``type``, optional ``priority``) and register it."""
        hook_cfg = dict(hook_cfg)
        priority = hook_cfg.pop('priority', 'NORMAL')
        self.register_hook(build_from_cfg(hook_cfg, HOOKS), priority=priority)

    def _stage_methods(self, fn_name: str) -> list:
        """``(hook, bound method)`` of the hooks acting at ``fn_name``. Hooks that only inherit
        Hook's no-op, or say they are idle (``Hook.idle_at``), are left out. Iteration stages are
        cached until the next epoch-level stage (or a change to the hook list); epoch-level
        stages are looked up afresh at each call."""
        if self._stage_cache_len != len(self._hooks) or fn_name in _EPOCH_LEVEL_STAGES:
            self._stage_cache, self._stage_cache_len = {}, len(self._hooks)
        methods = self._stage_cache.get(fn_name)
        if methods is None:
            # instance-level overrides such as ClosureHook's count as acting
            methods = [(hook, hook.stage_method(fn_name)) for hook in self._hooks
                       if (fn_name not in Hook.stages or fn_name in hook.get_triggered_stages())
                       and not hook.idle_at(fn_name, self)]
            if fn_name not in _EPOCH_LEVEL_STAGES:
                self._stage_cache[fn_name] = methods
        return methods

    def call_hook(self, fn_name: str) -> None:
        """Call stage ``fn_name`` of every hook in priority order."""
        methods = self._stage_cache.get(fn_name)
        if methods is None or self._stage_cache_len != len(self._hooks):
            methods = self._stage_methods(fn_name)
        for hook, method in methods:
            try:
                method(self)
            except Exception as exc:
                self._report_failure(exc, f'{type(hook).__name__}.{fn_name}')
                raise

    def get_hook_info(self) -> str:
        """A table of the hooks run at each stage, with their priorities."""
        stage_hooks: dict[str, list[str]] = {stage: [] for stage in Hook.stages}
        for hook in self._hooks:
            try:
                priority = Priority(hook.priority).name
            except ValueError:
                priority = hook.priority
            info = f'({priority:<12}) {type(hook).__name__:<35}'
            for stage in hook.get_triggered_stages():
                stage_hooks[stage].append(info)
        blocks = [f'{stage}:\n' + '\n'.join(infos) + '\n -------------------- '
                  for stage, infos in stage_hooks.items() if infos]
        return '\n'.join(blocks)

    def _register_section(self, key: str, cfg: Any) -> None:
        section = reg.TRAINING_HOOK_SECTIONS[key]
        hook = reg.build_section_hook(section, cfg)
        if hook is not None:
            self.register_hook(hook, priority=section.priority)

    def register_lr_hook(self, lr_config: Any) -> None:
        self._register_section('lr', lr_config)

    def register_momentum_hook(self, momentum_config: Any) -> None:
        self._register_section('momentum', momentum_config)

    def register_optimizer_hook(self, optimizer_config: Any) -> None:
        self._register_section('optimizer', optimizer_config)

    def register_checkpoint_hook(self, checkpoint_config: Any) -> None:
        self._register_section('checkpoint', checkpoint_config)

    def register_timer_hook(self, timer_config: Any) -> None:
        self._register_section('timer', timer_config)

    def register_profiler_hook(self, profiler_config: Any) -> None:
        self._register_section('profiler', profiler_config)

    def register_logger_hooks(self, log_config: dict | None) -> None:
        for hook in reg.logger_hooks(log_config):
            self.register_hook(hook, priority='VERY_LOW')

    def register_custom_hooks(self, custom_config: Any) -> None:
        for hook, priority in reg.custom_hooks(custom_config):
            self.register_hook(hook, priority=priority)

    def register_training_hooks(self, lr_config: Any, optimizer_config: Any = None,
                                checkpoint_config: Any = None, log_config: dict | None = None,
                                momentum_config: Any = None,
                                timer_config: Any = dict(type='IterTimerHook'),  # noqa: B006
                                custom_hooks_config: Any = None) -> None:
        """Register the standard hooks: LR (VERY_HIGH), momentum (HIGH), optimizer (ABOVE_NORMAL),
        checkpoint (NORMAL), timer (LOW), loggers (VERY_LOW) and custom hooks (their priority)."""
        self.register_lr_hook(lr_config)
        self.register_momentum_hook(momentum_config)
        self.register_optimizer_hook(optimizer_config)
        self.register_checkpoint_hook(checkpoint_config)
        self.register_timer_hook(timer_config)
        self.register_logger_hooks(log_config)
        self.register_custom_hooks(custom_hooks_config)
