"""``CheckpointMixin``: the one checkpoint writer and the resume logic of both runners."""
from __future__ import annotations

import os.path as osp
from typing import Any

import torch
from torch.optim import Optimizer

from ..utils import Config
from ._checkpoint_io import update_latest_link
from ._exact_resume import capture_rng_state
from .checkpoint import load_checkpoint, save_checkpoint


class CheckpointMixin:
    """Saving, loading and resuming for :class:`BaseRunner` (which provides ``model``,
    ``optimizer``, ``meta``, ``logger``, the counters and ``_hooks``)."""

    def _notify_hooks(self, method: str, checkpoint: dict) -> None:
        for hook in self._hooks:
            fn = getattr(hook, method, None)
            if fn is not None:
                fn(self, checkpoint)

    def _completed_iters(self) -> int:
        return self._iter + 1 if self._iter_finished else self._iter

    def _exact_state(self) -> dict:
        """Counters (and, in subclasses, data position) needed to continue exactly."""
        return dict(epoch=self._epoch, iter=self._completed_iters(),
                    inner_iter=self._inner_iter + 1 if self._iter_finished else self._inner_iter,
                    mid_epoch=self._iter_finished, world_size=self.world_size, rng=capture_rng_state())

    def _save_checkpoint_file(self, out_dir: str, filename: str, save_optimizer: bool = True,
                              meta: dict | None = None, create_symlink: bool = True) -> str:
        """The one checkpoint writer of both runners; returns the path written."""
        if meta is None:
            meta = {}
        elif not isinstance(meta, dict):
            raise TypeError(f'meta should be a dict or None, but got {type(meta)}')
        if self.meta is not None:
            meta.update(self.meta)  # before the counters, so stale ones in self.meta lose
        # mmcv stored iter=self.iter here, one short of the iterations done when saving from
        # after_train_iter, so IterBasedRunner resumes repeated an iteration.
        meta.update(epoch=self._epoch + 1, iter=self._completed_iters(), world_size=self.world_size)
        checkpoint = {'meta': meta}
        self._notify_hooks('before_save_checkpoint', checkpoint)
        filepath = osp.join(out_dir, filename)
        save_checkpoint(self.model, filepath, optimizer=self.optimizer if save_optimizer else None,
                        meta=checkpoint['meta'], extra={'mmlite_state': self._exact_state()})
        if create_symlink:
            update_latest_link(out_dir, filename)
        return filepath

    def load_checkpoint(self, filename: str, map_location: Any = 'cpu', strict: bool = False,
                        revise_keys: list = [(r'^module\.', '')]) -> dict:  # noqa: B006
        """Load weights from ``filename`` into the model; returns the checkpoint."""
        self.logger.info('load checkpoint from %s', filename)
        return load_checkpoint(self.model, filename, map_location, strict, self.logger,
                               revise_keys=revise_keys)

    def _load_optimizer(self, state: Any, checkpoint: str = 'the checkpoint') -> None:
        if not isinstance(self.optimizer, (Optimizer, dict)):
            raise TypeError('Optimizer should be dict or torch.optim.Optimizer but got '
                            f'{type(self.optimizer)}')
        try:
            if isinstance(self.optimizer, Optimizer):
                self.optimizer.load_state_dict(state)
            else:
                for name, optim in self.optimizer.items():
                    optim.load_state_dict(state[name])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f'cannot resume the optimizer from {checkpoint}: its state does not fit this run\'s '
                f'optimizer ({type(exc).__name__}: {exc}). Was it written with another model, optimizer '
                f'or paramwise_cfg? To start from its weights only, use load_from={checkpoint!r} instead of '
                'resume_from (or resume(..., resume_optimizer=False)).') from exc

    def _batches_to_skip(self, done: int, state: dict) -> int:
        """Batches per process already consumed in the interrupted pass, rescaled (and logged)
        when the number of processes changed."""
        previous = int(state.get('world_size', self.world_size))
        if previous == self.world_size:
            return done
        rescaled = round(done * previous / self.world_size)
        self.logger.warning('the interrupted pass ran on %d processes, this run has %d: skipping %d '
                            'batches per process to cover the samples already seen; the rest of the '
                            'pass is split differently across ranks', previous, self.world_size, rescaled)
        return rescaled

    def _previous_world_size(self, meta: dict) -> int | None:
        if 'world_size' in meta:
            return int(meta['world_size'])
        if 'config' in meta:  # mmcv's way: count the gpu_ids recorded in the config
            try:
                gpu_ids = Config.fromstring(meta['config'], file_format='.py').get('gpu_ids')
            except Exception:  # noqa: BLE001 - an unparsable config just means unknown
                return None
            return len(gpu_ids) if gpu_ids else None
        return None

    def resume(self, checkpoint: str, resume_optimizer: bool = True,
               map_location: Any = 'default') -> None:
        """Restore weights, optimizer(s), counters and ``meta`` (incl. ``hook_msgs``).

        ``map_location='default'`` maps to the current CUDA device, or the CPU when there is none.
        """
        if map_location == 'default':
            map_location = (torch.device('cuda', torch.cuda.current_device())
                            if torch.cuda.is_available() else 'cpu')
        ckpt = self.load_checkpoint(checkpoint, map_location=map_location)
        meta = ckpt['meta']
        self._epoch = meta['epoch']
        self._iter = meta['iter']
        hook_msgs = dict((self.meta or {}).get('hook_msgs', {}))
        hook_msgs.update(meta.get('hook_msgs', {}))
        self.meta = dict(meta, hook_msgs=hook_msgs)
        previous = self._previous_world_size(meta)
        if previous is not None and previous != self.world_size:
            self._iter = int(self._iter * previous / self.world_size)
            self.logger.info('resuming with %d processes instead of %d: iteration counter rescaled '
                             'from %d to %d so the schedule follows the number of samples seen; '
                             'epoch stays %d', self.world_size, previous, meta['iter'], self._iter,
                             self._epoch)
        if 'optimizer' in ckpt and resume_optimizer:
            self._load_optimizer(ckpt['optimizer'], checkpoint)
        self._resume_state = ckpt.get('mmlite_state')
        state = self._resume_state or {}
        if state.get('mid_epoch') and 'data_epoch' not in state:  # an epoch runner's, mid-epoch
            self._epoch = int(state['epoch'])  # meta['epoch'] counts the epoch as done
        self._notify_hooks('after_load_checkpoint', ckpt)
        self.logger.info('resumed epoch %d, iter %d', self.epoch, self.iter)
