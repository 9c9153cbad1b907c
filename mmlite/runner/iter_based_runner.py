"""``IterBasedRunner``: train/validate by iterations over endlessly cycling loaders."""
from __future__ import annotations

import logging
import warnings
from typing import Any

import torch

from ._exact_resume import restore_rng_state, resumed_iterator
from .base_runner import BaseRunner
from .builder import RUNNERS
from .epoch_based_runner import check_workflow
from .hooks import IterTimerHook
from .hooks.sampler_seed import set_sampler_epoch
from .utils import get_host_info


class IterLoader:
    """Wrap a DataLoader into an endless iterator; ``epoch`` counts completed passes and
    ``consumed`` the batches taken from the current one.

    Args:
        dataloader: The loader.
        epoch: Pass to start in (resuming). Defaults to 0.
        skip_batches: Batches of that pass already consumed (resuming). Defaults to 0.
        logger: Where to report a loader that cannot skip ahead cheaply. Defaults to None.
    """

    def __init__(self, dataloader, epoch: int = 0, skip_batches: int = 0,
                 logger: logging.Logger | None = None):
        self._dataloader = dataloader
        self._epoch = epoch
        if epoch or skip_batches:
            set_sampler_epoch(dataloader, epoch)
        self.iter_loader = resumed_iterator(dataloader, skip_batches, logger or logging.getLogger('mmlite'))
        self.consumed = skip_batches

    @property
    def epoch(self) -> int:
        return self._epoch

    def __next__(self) -> Any:
        try:
            batch = next(self.iter_loader)
        except StopIteration:
            self._epoch += 1
            set_sampler_epoch(self._dataloader, self._epoch)
            self.iter_loader = iter(self._dataloader)
            self.consumed = 0
            batch = next(self.iter_loader)
        self.consumed += 1
        return batch

    def __len__(self) -> int:
        return len(self._dataloader)


@RUNNERS.register_module()
class IterBasedRunner(BaseRunner):
    """Run ``max_iters`` training iterations following a workflow such as
    ``[('train', 1000), ('val', 100)]``."""

    def _val_step(self, data_batch: Any, **kwargs) -> Any:
        return self.model.val_step(data_batch, **kwargs)  # no optimizer here, as in mmcv

    def train(self, data_loader: IterLoader, **kwargs) -> None:
        if not self.model.training:  # mmcv called train() every iteration (a recursive walk)
            self.model.train()
        self.mode = 'train'
        self.data_loader = data_loader
        self._epoch = data_loader.epoch
        data_batch = next(data_loader)
        self.data_batch = data_batch
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
        self._inner_iter += 1
        self._iter += 1

    @torch.no_grad()
    def val(self, data_loader: IterLoader, **kwargs) -> None:
        if self.model.training:
            self.model.eval()
        self.mode = 'val'
        self.data_loader = data_loader
        data_batch = next(data_loader)
        self.data_batch = data_batch
        self.call_hook('before_val_iter')
        try:
            self.run_iter(data_batch, train_mode=False, **kwargs)
        except Exception as exc:
            self._report_failure(exc, 'val_step')
            raise
        self.call_hook('after_val_iter')
        del self.data_batch
        self._inner_iter += 1

    def _make_iter_loaders(self, data_loaders: list, workflow: list) -> list[IterLoader]:
        """One IterLoader per phase; the first training one continues where a resumed
        checkpoint's data position says."""
        state, self._resume_state = self._resume_state, None
        loaders = []
        for loader, (mode, _) in zip(data_loaders, workflow):
            if mode == 'train' and state is not None and 'data_epoch' in state:
                skip = self._batches_to_skip(int(state.get('data_consumed', 0)), state)
                loaders.append(IterLoader(loader, int(state['data_epoch']), skip, self.logger))
                state['data_epoch'] = None
                continue
            loaders.append(IterLoader(loader))
        if state is not None:  # after the loaders drew their worker seeds, as the first run did
            restore_rng_state(state.get('rng'), self.logger)
        self._train_iter_loader = next((x for x, (m, _) in zip(loaders, workflow) if m == 'train'), None)
        return loaders

    def _exact_state(self) -> dict:
        state = super()._exact_state()
        loader = getattr(self, '_train_iter_loader', None)
        if loader is not None:
            state.update(data_epoch=loader.epoch, data_consumed=loader.consumed)
        return state

    def run(self, data_loaders: list, workflow: list, max_iters: int | None = None, **kwargs) -> None:
        """Run ``workflow`` until ``max_iters`` training iterations are done.

        Args:
            data_loaders: One loader per workflow phase.
            workflow: ``[('train', n), ('val', m), ...]`` (counts in iterations).
            max_iters: Deprecated here (set it on the runner); accepted with a warning.
        """
        check_workflow(data_loaders, workflow, self)
        if max_iters is not None:
            warnings.warn('setting max_iters in run is deprecated, please set max_iters in '
                          'runner_config', DeprecationWarning)
            self._max_iters = max_iters
        if self._max_iters is None:
            raise ValueError('max_iters must be specified during instantiation')
        self.logger.info('Start running, host: %s, work_dir: %s', get_host_info(),
                         self.work_dir if self.work_dir is not None else 'NONE')
        self.logger.info('Hooks will be executed in the following order:\n%s', self.get_hook_info())
        self.logger.info('workflow: %s, max: %d iters', workflow, self._max_iters)
        self.call_hook('before_run')
        iter_loaders = self._make_iter_loaders(data_loaders, workflow)
        phases = [(mode == 'train', getattr(self, mode), loader, iters)
                  for (mode, iters), loader in zip(workflow, iter_loaders)]
        self.call_hook('before_epoch')
        with self._preemption_handlers():
            while self._iter < self._max_iters:
                for is_train, iter_runner, loader, iters in phases:
                    self._inner_iter = 0
                    if is_train:
                        iters = min(iters, self._max_iters - self._iter)
                    for _ in range(iters):
                        iter_runner(loader, **kwargs)
        self.call_hook('after_epoch')
        self.call_hook('after_run')

    def resume(self, checkpoint: str, resume_optimizer: bool = True,
               map_location: Any = 'default') -> None:
        super().resume(checkpoint, resume_optimizer, map_location)
        self._inner_iter = self._iter

    def save_checkpoint(self, out_dir: str, filename_tmpl: str = 'iter_{}.pth',
                        meta: dict | None = None, save_optimizer: bool = True,
                        create_symlink: bool = True) -> None:
        """Save ``iter_{iter + 1}.pth`` (and point ``latest.pth`` at it)."""
        self._save_checkpoint_file(out_dir, filename_tmpl.format(self.iter + 1), save_optimizer,
                                   meta, create_symlink)

    def register_training_hooks(self, lr_config: Any, optimizer_config: Any = None,
                                checkpoint_config: Any = None, log_config: dict | None = None,
                                momentum_config: Any = None, custom_hooks_config: Any = None) -> None:
        """As BaseRunner's, with ``by_epoch=False`` defaults for the LR, checkpoint and logger
        hooks and an IterTimerHook. The caller's dicts are not modified."""
        if isinstance(checkpoint_config, dict):
            checkpoint_config = dict(checkpoint_config)
            checkpoint_config.setdefault('by_epoch', False)
        if isinstance(lr_config, dict):
            lr_config = dict(lr_config)
            lr_config.setdefault('by_epoch', False)
        if isinstance(log_config, dict):
            log_config = dict(log_config)
            log_config['hooks'] = [dict(info, by_epoch=info.get('by_epoch', False))
                                   if isinstance(info, dict) else info for info in log_config['hooks']]
        super().register_training_hooks(lr_config=lr_config, momentum_config=momentum_config,
                                        optimizer_config=optimizer_config,
                                        checkpoint_config=checkpoint_config, log_config=log_config,
                                        timer_config=IterTimerHook(),
                                        custom_hooks_config=custom_hooks_config)
