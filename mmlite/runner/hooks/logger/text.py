"""``TextLoggerHook``: the console/``.log`` line and the ``<timestamp>.log.json`` records."""
from __future__ import annotations

import datetime
import json
import os
import os.path as osp
import shutil
from collections import OrderedDict
from typing import Any

import torch
import torch.distributed as dist

from ....utils.file_handlers import set_default
from ..hook import HOOKS
from .base import LoggerHook

_SKIP_IN_LINE = ('mode', 'Epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'epoch')
_JSON = json.JSONEncoder(default=set_default)  # what json.dumps(..., default=...) builds per call


def _round_float(items: Any) -> Any:
    if isinstance(items, list):
        return [_round_float(item) for item in items]
    if isinstance(items, float):
        return round(items, 5)
    return items


@HOOKS.register_module()
class TextLoggerHook(LoggerHook):
    """Log training progress as text lines and JSON records.

    The first JSON record holds ``runner.meta`` (env info, config, seed); then one record per log
    interval (``mode``, ``epoch``, ``iter``, ``lr``, ``memory`` on CUDA, ``data_time``, losses,
    ``time``) and one per evaluation (``mode: val``). Each record is flushed as it is written.

    Args:
        by_epoch: Show ``Epoch [e][i/n]`` (else ``Iter [i/n]``). Defaults to True.
        interval: Log every this many iterations. Defaults to 10.
        ignore_last: Skip a partial last interval of an epoch. Defaults to True.
        reset_flag: Clear the output after logging. Defaults to False.
        interval_exp_name: Print ``Exp name: ...`` every this many iterations. Defaults to 1000.
        out_dir: Copy the logs to ``out_dir/<work_dir name>`` after the run. Defaults to None.
        out_suffix: Files copied to ``out_dir``. Defaults to ('.log.json', '.log', '.py').
        keep_local: Keep the local copies after copying them. Defaults to True.
    """

    def __init__(self, by_epoch: bool = True, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, interval_exp_name: int = 1000, out_dir: str | None = None,
                 out_suffix: str | tuple = ('.log.json', '.log', '.py'), keep_local: bool = True,
                 file_client_args: dict | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        if out_dir is None and file_client_args is not None:
            raise ValueError('file_client_args should be "None" when `out_dir` is not specified.')
        self.time_sec_tot = 0.
        self.interval_exp_name = interval_exp_name
        self.out_dir = out_dir
        self.out_suffix = out_suffix
        self.keep_local = keep_local

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if self.out_dir is not None:
            self.out_dir = osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))
            runner.logger.info(f'Text logs will be saved to {self.out_dir} after the training process.')
        self.start_iter = runner.iter
        self._last_logged_iter = runner.iter - 1
        self._cuda_available = torch.cuda.is_available()  # asked once: ~20 µs a call
        self.json_log_path = osp.join(runner.work_dir, f'{runner.timestamp}.log.json')
        self._json_file = None
        if runner.meta is not None:
            self._dump_log(runner.meta, runner)

    def _get_max_memory(self, runner) -> int:
        device = getattr(runner.model, 'output_device', None)
        mem = torch.cuda.max_memory_allocated(device=device)
        mem_mb = torch.tensor([int(mem / (1024 * 1024))], dtype=torch.int, device=device)
        if runner.world_size > 1:
            dist.reduce(mem_mb, 0, op=dist.ReduceOp.MAX)
        return int(mem_mb.item())

    def _reports_memory(self) -> bool:
        available = getattr(self, '_cuda_available', None)  # None: log() called before before_run
        return torch.cuda.is_available() if available is None else available

    def _eta(self, log_dict: dict, runner) -> str:
        done_since_last = max(runner.iter - self._last_logged_iter, 1)
        self._last_logged_iter = runner.iter
        self.time_sec_tot += log_dict['time'] * done_since_last
        time_sec_avg = self.time_sec_tot / (runner.iter - self.start_iter + 1)
        eta_sec = max(time_sec_avg * (runner.max_iters - runner.iter - 1), 0)  # never negative
        return str(datetime.timedelta(seconds=int(eta_sec)))

    def _train_prefix(self, log_dict: dict, runner) -> str:
        lr = log_dict.get('lr')
        if isinstance(lr, dict):
            lr_str = ' '.join(f'lr_{k}: {v:.3e}' for k, v in lr.items())
        else:
            lr_str = f'lr: {lr:.3e}' if lr is not None else 'lr: n/a'
        if self.by_epoch:
            text = f'Epoch [{log_dict["epoch"]}][{log_dict["iter"]}/{len(runner.data_loader)}]\t'
        else:
            text = f'Iter [{log_dict["iter"]}/{runner.max_iters}]\t'
        text += f'{lr_str}, '
        if 'time' in log_dict:
            text += f'eta: {self._eta(log_dict, runner)}, '
            text += f'time: {log_dict["time"]:.3f}, data_time: {log_dict["data_time"]:.3f}, '
            if 'memory' in log_dict:
                text += f'memory: {log_dict["memory"]}, '
        return text

    def _log_info(self, log_dict: dict, runner) -> None:
        if runner.meta is not None and 'exp_name' in runner.meta:
            if self.every_n_iters(runner, self.interval_exp_name) or (
                    self.by_epoch and self.end_of_epoch(runner)):
                runner.logger.info(f'Exp name: {runner.meta["exp_name"]}')
        if log_dict['mode'] == 'train':
            text = self._train_prefix(log_dict, runner)
        elif self.by_epoch:
            text = f'Epoch({log_dict["mode"]}) [{log_dict["epoch"]}][{log_dict["iter"]}]\t'
        else:
            text = f'Iter({log_dict["mode"]}) [{log_dict["iter"]}]\t'
        items = []
        for name, val in log_dict.items():
            if name in _SKIP_IN_LINE:
                continue
            items.append(f'{name}: {val:.4f}' if isinstance(val, float) else f'{name}: {val}')
        runner.logger.info(text + ', '.join(items))

    def _dump_log(self, log_dict: dict, runner) -> None:
        if runner.rank != 0:
            return
        record = OrderedDict((k, _round_float(v)) for k, v in log_dict.items())
        line = _JSON.encode(record) + '\n'
        if getattr(self, '_json_file', None) is None or self._json_file.name != self.json_log_path:
            self._json_file = open(self.json_log_path, 'a+')
        self._json_file.write(line)  # one complete line per write, flushed at once: a crash
        self._json_file.flush()  # leaves valid JSON lines up to the last record

    def log(self, runner) -> OrderedDict:
        if 'eval_iter_num' in runner.log_buffer.output:
            cur_iter = runner.log_buffer.output.pop('eval_iter_num')
        else:
            cur_iter = self.get_iter(runner, inner_iter=True)
        log_dict = OrderedDict(mode=self.get_mode(runner), epoch=self.get_epoch(runner), iter=cur_iter)
        if runner.optimizer is not None:
            lrs = runner.current_lr()
            log_dict['lr'] = {k: v[0] for k, v in lrs.items()} if isinstance(lrs, dict) else lrs[0]
        if 'time' in runner.log_buffer.output and self._reports_memory():
            log_dict['memory'] = self._get_max_memory(runner)
        log_dict = OrderedDict(log_dict, **runner.log_buffer.output)
        self._log_info(log_dict, runner)
        self._dump_log(log_dict, runner)
        return log_dict

    def after_run(self, runner) -> None:
        if getattr(self, '_json_file', None) is not None:
            self._json_file.close()
            self._json_file = None
        if self.out_dir is None or runner.rank != 0:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        suffixes = (self.out_suffix, ) if isinstance(self.out_suffix, str) else tuple(self.out_suffix)
        for name in os.listdir(runner.work_dir):
            local = osp.join(runner.work_dir, name)
            if name.endswith(suffixes) and osp.isfile(local):
                shutil.copyfile(local, osp.join(self.out_dir, name))
                runner.logger.info(f'The file {local} has been copied to {self.out_dir}.')
                if not self.keep_local:
                    os.remove(local)
