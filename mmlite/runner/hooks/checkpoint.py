"""``CheckpointHook``: save checkpoints every N epochs/iterations and keep the newest few."""
from __future__ import annotations

import difflib
import inspect
import os
import os.path as osp

from ..dist_utils import allreduce_params, master_only
from .hook import HOOKS, Hook


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save ``epoch_{N}.pth``/``iter_{N}.pth`` (and ``latest.pth``) periodically.

    Args:
        interval: Save every this many epochs (``by_epoch``) or iterations; -1 saves only the last
            one (with ``save_last``). Defaults to -1.
        by_epoch: Count in epochs (else iterations). Defaults to True.
        save_optimizer: Include the optimizer state. Defaults to True.
        out_dir: Directory; defaults to the work_dir. Another directory gets the work_dir's last
            folder name appended, as in mmcv.
        max_keep_ckpts: Keep only this many of the newest periodic checkpoints (-1 keeps all).
            Older ones are deleted only after the new one is safely written.
        save_last: Always save at the end of training. Defaults to True.
        sync_buffer: Average buffers (BN statistics) across processes before saving.
        **kwargs: Passed to ``runner.save_checkpoint`` (``filename_tmpl``, ``create_symlink``...).
    """

    def __init__(self, interval: int = -1, by_epoch: bool = True, save_optimizer: bool = True,
                 out_dir: str | None = None, max_keep_ckpts: int = -1, save_last: bool = True,
                 sync_buffer: bool = False, file_client_args: dict | None = None, **kwargs):
        if file_client_args is not None and file_client_args.get('backend', 'disk') != 'disk':
            raise ValueError('checkpoint_config.file_client_args: only local disk storage is '
                             f'supported, got {file_client_args}')
        for key, value in (('interval', interval), ('max_keep_ckpts', max_keep_ckpts)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f'checkpoint_config.{key} must be an int, got {value!r} '
                                f'({type(value).__name__})')
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.sync_buffer = sync_buffer
        self.args = kwargs

    def before_run(self, runner) -> None:
        if not self.out_dir:
            self.out_dir = runner.work_dir
        elif self.out_dir != runner.work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        runner.logger.info(f'Checkpoints will be saved to {self.out_dir} by LocalBackend.')
        if runner.meta is None:  # hook_msgs.last_ckpt needs a home (mmcv skipped it then)
            runner.meta = dict()
        self.args.setdefault('create_symlink', True)
        self._check_save_args(runner)

    def _check_save_args(self, runner) -> None:
        """Fail at the start, not at the first save, on a key ``save_checkpoint`` does not take."""
        params = inspect.signature(runner.save_checkpoint).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return
        unknown = sorted(set(self.args) - set(params))
        if unknown:
            known = ['interval', 'by_epoch', 'save_optimizer', 'out_dir', 'max_keep_ckpts', 'save_last',
                     'sync_buffer'] + [p for p in params if p not in ('out_dir', 'save_optimizer')]
            hints = {key: difflib.get_close_matches(key, known, n=1) for key in unknown}
            detail = '; '.join(f'"{key}"' + (f' (did you mean "{hint[0]}"?)' if hint else '')
                               for key, hint in hints.items())
            raise TypeError(f'checkpoint_config has unknown keys: {detail}. Known keys: {", ".join(known)}')

    def after_train_epoch(self, runner) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval) or (self.save_last and self.is_last_epoch(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.epoch + 1} epochs')
            self._save(runner)

    def after_train_iter(self, runner) -> None:
        if self.by_epoch:
            return
        if self.every_n_iters(runner, self.interval) or (self.save_last and self.is_last_iter(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.iter + 1} iterations')
            self._save(runner)

    def idle_at(self, stage: str, runner) -> bool:
        return stage == 'after_train_iter' and self.by_epoch and self._inherits(stage, CheckpointHook)

    def _save(self, runner) -> None:
        if self.sync_buffer:
            allreduce_params(runner.model.buffers())
        self._save_checkpoint(runner)

    def _current(self, runner) -> tuple[str, int]:
        if self.by_epoch:
            return self.args.get('filename_tmpl', 'epoch_{}.pth'), runner.epoch + 1
        return self.args.get('filename_tmpl', 'iter_{}.pth'), runner.iter + 1

    def _runner_names_by_epoch(self, runner) -> bool:
        """Iteration checkpoints of a runner whose ``save_checkpoint`` names files by epoch."""
        if self.by_epoch or 'filename_tmpl' in self.args or not hasattr(runner, '_save_checkpoint_file'):
            return False
        params = inspect.signature(runner.save_checkpoint).parameters
        return 'filename_tmpl' in params and 'epoch' in str(params['filename_tmpl'].default)

    @master_only
    def _save_checkpoint(self, runner) -> None:
        """Save the current checkpoint, then remove the ones beyond ``max_keep_ckpts``."""
        tmpl, current = self._current(runner)
        path = osp.join(self.out_dir, tmpl.format(current))
        # recorded before saving so the checkpoint itself knows it is the last one
        hook_msgs = runner.meta.setdefault('hook_msgs', dict())
        previous = hook_msgs.get('last_ckpt')
        hook_msgs['last_ckpt'] = path
        try:
            if self._runner_names_by_epoch(runner):
                # mmcv let EpochBasedRunner name iteration checkpoints epoch_<N>.pth, overwriting
                # one file per epoch and breaking last_ckpt and max_keep_ckpts
                runner._save_checkpoint_file(self.out_dir, osp.basename(path), self.save_optimizer,
                                             self.args.get('meta'), self.args.get('create_symlink', True))
            else:
                runner.save_checkpoint(self.out_dir, save_optimizer=self.save_optimizer, **self.args)
        except BaseException:
            hook_msgs['last_ckpt'] = previous  # the earlier checkpoint is still the last good one
            raise
        if self.max_keep_ckpts <= 0:
            return
        step = self.interval if self.interval > 0 else 1
        for old in range(current - self.max_keep_ckpts * step, 0, -step):
            old_path = osp.join(self.out_dir, tmpl.format(old))
            if not osp.isfile(old_path):
                break
            os.remove(old_path)
