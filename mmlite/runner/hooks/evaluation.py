"""``EvalHook``/``DistEvalHook``: evaluate during training and keep the best checkpoint."""
from __future__ import annotations

import os
import os.path as osp
import random
import warnings
from contextlib import contextmanager
from math import inf
from numbers import Number
from typing import Any, Callable, Iterator

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.data import DataLoader

# the module, not its names: mmlite.engine imports the runner package, which imports this file
from ... import engine
from ...utils import is_seq_of
from ...utils.errors import ReadableKeyError
from .hook import HOOKS, Hook


@contextmanager
def preserved_rng_state() -> Iterator[None]:
    """Evaluation must not change the random streams training continues with, so a resumed run
    (which skips the evaluation that happened before its checkpoint) stays identical."""
    py_state, np_state = random.getstate(), np.random.get_state()
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=devices):
        yield
    random.setstate(py_state)
    np.random.set_state(np_state)


@HOOKS.register_module()
class EvalHook(Hook):
    """Evaluate ``dataloader.dataset`` every ``interval`` epochs (or iterations).

    Results go to ``runner.log_buffer.output`` (logged by the logger hooks as a ``val`` record).
    With ``save_best`` the best checkpoint is kept as ``best_<key>_<epoch|iter>_<n>.pth`` and its
    score in ``runner.meta['hook_msgs']`` (which checkpoints carry, so it survives resume).

    Args:
        dataloader: A PyTorch DataLoader of the evaluation set.
        start: First epoch (iteration) to evaluate at; evaluates before training when the run
            starts at or after it. Defaults to None (every ``interval``).
        interval: Evaluation interval. Defaults to 1.
        by_epoch: Count in epochs (else iterations). Defaults to True.
        save_best: A metric name, ``'auto'`` (the first metric whose direction is known), or None.
        rule: ``'greater'`` or ``'less'``; inferred from the metric name when None.
        test_fn: Inference function; defaults to ``single_gpu_test``.
        greater_keys, less_keys: Extra name fragments for inferring ``rule``.
        out_dir: Where best checkpoints go; defaults to the work_dir.
        **eval_kwargs: Passed to ``dataset.evaluate``.
    """

    rule_map = {'greater': lambda x, y: x > y, 'less': lambda x, y: x < y}
    init_value_map = {'greater': -inf, 'less': inf}
    _default_greater_keys = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc',
                             'aAcc', 'AP', 'AR', 'recall', 'f1', 'iou', 'dice', 'score', 'PQ']
    _default_less_keys = ['loss', 'error', 'err', 'mae', 'mse', 'rmse']

    def __init__(self, dataloader: DataLoader, start: int | None = None, interval: int = 1,
                 by_epoch: bool = True, save_best: str | None = None, rule: str | None = None,
                 test_fn: Callable | None = None, greater_keys: Any = None, less_keys: Any = None,
                 out_dir: str | None = None, file_client_args: dict | None = None, **eval_kwargs):
        if not isinstance(dataloader, DataLoader):
            raise TypeError(f'dataloader must be a pytorch DataLoader, but got {type(dataloader)}')
        if interval <= 0:
            raise ValueError(f'interval must be a positive number, but got {interval}')
        if not isinstance(by_epoch, bool):
            raise TypeError(f'``by_epoch`` should be a boolean, got {by_epoch!r}')
        if start is not None and start < 0:
            raise ValueError(f'The evaluation start epoch {start} is smaller than 0')
        if save_best is not None and not isinstance(save_best, str):
            raise TypeError(f'"save_best" should be a str or None rather than {type(save_best)}')
        self.dataloader, self.interval, self.start, self.by_epoch = dataloader, interval, start, by_epoch
        self.save_best, self.eval_kwargs = save_best, eval_kwargs
        self.initial_flag = True
        self.test_fn = test_fn if test_fn is not None else engine.single_gpu_test
        self.greater_keys = self._as_keys(greater_keys, self._default_greater_keys)
        self.less_keys = self._as_keys(less_keys, self._default_less_keys)
        self.out_dir = out_dir
        self.best_ckpt_path = None
        self.rule = rule
        self.key_indicator = save_best
        if save_best is not None:
            self._init_rule(rule, save_best)

    @staticmethod
    def _as_keys(keys: Any, default: list) -> list:
        if keys is None:
            return list(default)
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not is_seq_of(keys, str):
            raise TypeError(f'greater_keys/less_keys must be str or a sequence of str, got {keys!r}')
        return list(default) + keys

    def _infer_rule(self, key: str) -> str | None:
        key_lc = key.lower()
        greater = [k.lower() for k in self.greater_keys]
        less = [k.lower() for k in self.less_keys]
        if key_lc in greater:
            return 'greater'
        if key_lc in less:
            return 'less'
        if any(k in key_lc for k in greater):
            return 'greater'
        if any(k in key_lc for k in less):
            return 'less'
        return None

    def _init_rule(self, rule: str | None, key_indicator: str) -> None:
        if rule is not None and rule not in self.rule_map:
            raise ReadableKeyError(f'rule must be greater, less or None, but got {rule}.')
        if rule is None and key_indicator != 'auto':
            rule = self._infer_rule(key_indicator)
            if rule is None:
                raise ValueError(f'Cannot infer the rule for key {key_indicator}, thus a specific '
                                 'rule must be specified: evaluation=dict(..., rule="greater" or "less")')
        self.rule = rule
        self.key_indicator = key_indicator
        if rule is not None:
            self.compare_func = self.rule_map[rule]

    def before_run(self, runner) -> None:
        if not self.out_dir:
            self.out_dir = runner.work_dir
        elif self.out_dir != runner.work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
        if self.save_best is not None:
            if runner.meta is None:
                warnings.warn('runner.meta is None. Creating an empty one.')
                runner.meta = dict()
            runner.meta.setdefault('hook_msgs', dict())
            self.best_ckpt_path = runner.meta['hook_msgs'].get('best_ckpt', None)

    def before_train_iter(self, runner) -> None:
        if self.by_epoch or not self.initial_flag:
            return
        if self.start is not None and runner.iter >= self.start:
            self.after_train_iter(runner)
        self.initial_flag = False

    def before_train_epoch(self, runner) -> None:
        if not (self.by_epoch and self.initial_flag):
            return
        if self.start is not None and runner.epoch >= self.start:
            self.after_train_epoch(runner)
        self.initial_flag = False

    def after_train_iter(self, runner) -> None:
        if not self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self._should_evaluate(runner):
            self._do_evaluate(runner)

    def _run_test(self, runner) -> Any:
        return self.test_fn(runner.model, self.dataloader)

    def _do_evaluate(self, runner) -> None:
        with preserved_rng_state():
            results = self._run_test(runner)
            if runner.rank != 0:
                return
            runner.log_buffer.output['eval_iter_num'] = len(self.dataloader)
            key_score = self.evaluate(runner, results)
        if self.save_best and key_score is not None:
            self._save_ckpt(runner, key_score)

    def _should_evaluate(self, runner) -> bool:
        current = runner.epoch if self.by_epoch else runner.iter
        check = self.every_n_epochs if self.by_epoch else self.every_n_iters
        if self.start is None:
            return check(runner, self.interval)
        if current + 1 < self.start:
            return False
        return (current + 1 - self.start) % self.interval == 0

    def _save_ckpt(self, runner, key_score: float) -> None:
        cur_type, cur_time = ('epoch', runner.epoch + 1) if self.by_epoch else ('iter', runner.iter + 1)
        best_score = runner.meta['hook_msgs'].get('best_score', self.init_value_map[self.rule])
        if not self.compare_func(key_score, best_score):
            return
        runner.meta['hook_msgs']['best_score'] = key_score
        previous = self.best_ckpt_path
        name = f'best_{self.key_indicator}_{cur_type}_{cur_time}.pth'
        self.best_ckpt_path = osp.join(self.out_dir, name)
        runner.meta['hook_msgs']['best_ckpt'] = self.best_ckpt_path
        os.makedirs(self.out_dir, exist_ok=True)
        runner.save_checkpoint(self.out_dir, filename_tmpl=name, create_symlink=False)
        if previous and previous != self.best_ckpt_path and osp.isfile(previous):
            os.remove(previous)  # only once the new best is safely on disk
            runner.logger.info(f'The previous best checkpoint {previous} was removed')
        runner.logger.info(f'Now best checkpoint is saved as {name}.')
        runner.logger.info(f'Best {self.key_indicator} is {key_score:0.4f} at {cur_time} {cur_type}.')

    def _auto_key(self, eval_res: dict) -> str | None:
        for key, value in eval_res.items():
            if isinstance(value, Number) and self._infer_rule(key) is not None:
                return key
        return None

    def evaluate(self, runner, results: Any) -> float | None:
        """Evaluate, publish the metrics to the log buffer, return the ``save_best`` score."""
        eval_res = self.dataloader.dataset.evaluate(results, logger=runner.logger, **self.eval_kwargs)
        for name, val in eval_res.items():
            runner.log_buffer.output[name] = val
        runner.log_buffer.ready = True
        if self.save_best is None:
            return None
        if not eval_res:
            warnings.warn('Since `eval_res` is an empty dict, the behavior to save the best '
                          'checkpoint will be skipped in this evaluation.')
            return None
        if self.key_indicator == 'auto':
            key = self._auto_key(eval_res)
            if key is None:
                raise ValueError(f'save_best="auto": none of the metrics {list(eval_res)} has a known '
                                 'direction; set save_best to a metric name and rule to "greater"/"less"')
            self._init_rule(self.rule, key)
        if self.key_indicator not in eval_res:
            raise ReadableKeyError(f'save_best={self.key_indicator!r} is not among the evaluation results '
                                   f'{list(eval_res)}')
        return eval_res[self.key_indicator]


@HOOKS.register_module()
class DistEvalHook(EvalHook):
    """EvalHook for distributed runs: every rank tests its share, rank 0 evaluates.

    Args:
        broadcast_bn_buffer: Copy rank 0's BatchNorm statistics to all ranks first (DDP does not
            keep them in sync). Defaults to True.
        tmpdir: Directory for gathering results; defaults to ``<work_dir>/.eval_hook``.
        gpu_collect: Gather through collective communication instead of files.
        (Other arguments as EvalHook.)
    """

    def __init__(self, dataloader: DataLoader, start: int | None = None, interval: int = 1,
                 by_epoch: bool = True, save_best: str | None = None, rule: str | None = None,
                 test_fn: Callable | None = None, greater_keys: Any = None, less_keys: Any = None,
                 broadcast_bn_buffer: bool = True, tmpdir: str | None = None, gpu_collect: bool = False,
                 out_dir: str | None = None, file_client_args: dict | None = None, **eval_kwargs):
        super().__init__(dataloader, start=start, interval=interval, by_epoch=by_epoch,
                         save_best=save_best, rule=rule, test_fn=test_fn or engine.multi_gpu_test,
                         greater_keys=greater_keys, less_keys=less_keys, out_dir=out_dir,
                         file_client_args=file_client_args, **eval_kwargs)
        self.broadcast_bn_buffer, self.tmpdir, self.gpu_collect = broadcast_bn_buffer, tmpdir, gpu_collect

    def _run_test(self, runner) -> Any:
        if self.broadcast_bn_buffer and dist.is_available() and dist.is_initialized():
            for module in runner.model.modules():
                if isinstance(module, _BatchNorm) and module.track_running_stats:
                    dist.broadcast(module.running_var, 0)
                    dist.broadcast(module.running_mean, 0)
        tmpdir = self.tmpdir if self.tmpdir is not None else osp.join(runner.work_dir, '.eval_hook')
        return self.test_fn(runner.model, self.dataloader, tmpdir=tmpdir, gpu_collect=self.gpu_collect)
