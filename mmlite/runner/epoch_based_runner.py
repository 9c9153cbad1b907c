"""``EpochBasedRunner``: train/validate epoch by epoch following a workflow."""
from __future__ import annotations

import warnings
from typing import Any, Iterable

import torch

from ..utils import is_list_of
from ._exact_resume import restore_rng_state, resumed_iterator
from .base_runner import BaseRunner
from .builder import RUNNERS
from .hooks.sampler_seed import set_sampler_epoch
from .utils import get_host_info


def check_workflow(data_loaders: Any, workflow: Any, runner: BaseRunner) -> None:
    """Validate ``run()``'s arguments with messages that say what is wrong."""
    if not isinstance(data_loaders, list):
        raise TypeError(f'data_loaders must be a list (one per workflow phase), got {type(data_loaders)}')
    if not is_list_of(workflow, tuple):
        raise TypeError(f'workflow must be a list of (mode, count) tuples, got {workflow!r}')
    if len(data_loaders) != len(workflow):
        raise ValueError(f'got {len(data_loaders)} data loaders for a workflow of {len(workflow)} '
                         f'phases {workflow}; pass one loader per phase')
    for mode, count in workflow:
        if not isinstance(mode, str):
            raise TypeError(f'mode in workflow must be a str, but got {type(mode)}')
        if not hasattr(runner, mode):
            raise ValueError(f'runner has no method named "{mode}" to run a workflow phase')
        if not isinstance(count, int) or count <= 0:
            raise ValueError(f'workflow phase ({mode!r}, {count!r}) needs a positive int count')


@RUNNERS.register_module()
class EpochBasedRunner(BaseRunner):
    """Run whole epochs: ``workflow=[('train', 2), ('val', 1)]`` trains two epochs, validates one,
    and repeats until ``max_epochs`` training epochs are done."""

    def _batches(self, data_loader) -> Iterable:
        """``(index, batch)`` pairs of one epoch, resuming mid-epoch when a checkpoint says so."""
        state, self._resume_state = self._resume_state, None
        if state is None:
            return enumerate(data_loader)
        set_sampler_epoch(data_loader, self._epoch)  # samplers count passes from 0
        if not state.get('mid_epoch'):
            return enumerate(data_loader)
        skip = min(len(data_loader), self._batches_to_skip(int(state.get('inner_iter', 0)), state))
        iterator = resumed_iterator(data_loader, skip, self.logger)
        restore_rng_state(state.get('rng'), self.logger)  # after the loader drew its worker seed
        self.logger.info('resuming epoch %d at batch %d of %d', self._epoch + 1, skip + 1, len(data_loader))
        return enumerate(iterator, start=skip)

    def train(self, data_loader, **kwargs) -> None:
        self.model.train()
        self.mode = 'train'
        self.data_loader = data_loader
        self._max_iters = self._max_epochs * len(self.data_loader)
        self.call_hook('before_train_epoch')
        for i, data_batch in self._batches(data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook('before_train_iter')
            try:
                self.run_iter(data_batch, train_mode=True, **kwargs)
            except Exception as exc:
                self._report_failure(exc, 'train_step')
                raise
            self._iter_finished = True
            self.call_hook('after_train_iter')
            if self._stop_requested():
                self._checkpoint_and_exit()
            self._iter_finished = False
            del self.data_batch
            self._iter += 1
        self.call_hook('after_train_epoch')
        self._epoch += 1

    @torch.no_grad()
    def val(self, data_loader, **kwargs) -> None:
        self.model.eval()
        self.mode = 'val'
        self.data_loader = data_loader
        self.call_hook('before_val_epoch')
        for i, data_batch in enumerate(data_loader):
            self.data_batch = data_batch
            self._inner_iter = i
            self.call_hook('before_val_iter')
            try:
                self.run_iter(data_batch, train_mode=False)
            except Exception as exc:
                self._report_failure(exc, 'val_step')
                raise
            self.call_hook('after_val_iter')
            del self.data_batch
        self.call_hook('after_val_epoch')

    def run(self, data_loaders: list, workflow: list, max_epochs: int | None = None, **kwargs) -> None:
        """Run ``workflow`` until ``max_epochs`` training epochs are done.

        Args:
            data_loaders: One loader per workflow phase.
            workflow: ``[('train', n), ('val', m), ...]``.
            max_epochs: Deprecated here (set it on the runner); accepted with a warning.
        """
        check_workflow(data_loaders, workflow, self)
        if max_epochs is not None:
            warnings.warn('setting max_epochs in run is deprecated, please set max_epochs in '
                          'runner_config', DeprecationWarning)
            self._max_epochs = max_epochs
        if self._max_epochs is None:
            raise ValueError('max_epochs must be specified during instantiation')
        for i, (mode, _) in enumerate(workflow):
            if mode == 'train':
                self._max_iters = self._max_epochs * len(data_loaders[i])
                break
        self.logger.info('Start running, host: %s, work_dir: %s', get_host_info(),
                         self.work_dir if self.work_dir is not None else 'NONE')
        self.logger.info('Hooks will be executed in the following order:\n%s', self.get_hook_info())
        self.logger.info('workflow: %s, max: %d epochs', workflow, self._max_epochs)
        self.call_hook('before_run')
        if self._resume_state is not None and not self._resume_state.get('mid_epoch'):
            restore_rng_state(self._resume_state.get('rng'), self.logger)
        with self._preemption_handlers():
            while self.epoch < self._max_epochs:
                self._run_workflow_once(data_loaders, workflow, **kwargs)
        self.call_hook('after_run')

    def _run_workflow_once(self, data_loaders: list, workflow: list, **kwargs) -> None:
        for i, (mode, epochs) in enumerate(workflow):
            epoch_runner = getattr(self, mode)
            for _ in range(epochs):
                if mode == 'train' and self.epoch >= self._max_epochs:
                    break
                epoch_runner(data_loaders[i], **kwargs)

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = 'epoch_{}.pth',
                        save_optimizer: bool = True, meta: dict | None = None,
                        create_symlink: bool = True) -> None:
        """Save ``epoch_{epoch + 1}.pth`` (and point ``latest.pth`` at it)."""
        self._save_checkpoint_file(out_dir, filename_tmpl.format(self.epoch + 1), save_optimizer,
                                   meta, create_symlink)


@RUNNERS.register_module()
class Runner(EpochBasedRunner):
    """Deprecated name of EpochBasedRunner."""

    def __init__(self, *args, **kwargs):
        warnings.warn('Runner was deprecated, please use EpochBasedRunner instead',
                      DeprecationWarning)
        super().__init__(*args, **kwargs)
