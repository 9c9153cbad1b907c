"""Logger hooks for third-party services (W&B, MLflow, Neptune, DVCLive, ClearML, Segmind, Pavi).

Each imports its package when the run starts and fails with one clear message when it is
missing; nothing here is imported by mmlite otherwise.
"""
from __future__ import annotations

import importlib
import os
import os.path as osp

from ...dist_utils import master_only
from ..hook import HOOKS
from .base import LoggerHook


def import_backend(module: str, hook: str, package: str | None = None):
    """Import ``module`` or raise an ImportError naming ``hook`` and the pip package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f'{hook} needs the {package or module} package: pip install '
                          f'{package or module}') from exc


@HOOKS.register_module()
class WandbLoggerHook(LoggerHook):
    """Log to Weights & Biases (``wandb.init(**init_kwargs)``)."""

    def __init__(self, init_kwargs: dict | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, commit: bool = True, by_epoch: bool = True,
                 with_step: bool = True, log_artifact: bool = True,
                 out_suffix: str | tuple = ('.log.json', '.log', '.py'), define_metric_cfg: dict | None = None):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.init_kwargs, self.commit, self.with_step = init_kwargs, commit, with_step
        self.log_artifact, self.out_suffix, self.define_metric_cfg = log_artifact, out_suffix, define_metric_cfg

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        self.wandb = import_backend('wandb', 'WandbLoggerHook')
        if self.wandb.run is None:
            self.wandb.init(**(self.init_kwargs or {}))
        for metric, summary in (self.define_metric_cfg or {}).items():
            self.wandb.define_metric(metric, summary=summary)

    @master_only
    def log(self, runner) -> None:
        tags = self.get_loggable_tags(runner)
        if not tags:
            return
        if self.with_step:
            self.wandb.log(tags, step=self.get_iter(runner), commit=self.commit)
        else:
            tags['global_step'] = self.get_iter(runner)
            self.wandb.log(tags, commit=self.commit)

    @master_only
    def after_run(self, runner) -> None:
        if self.log_artifact:
            artifact = self.wandb.Artifact(name='artifacts', type='model')
            suffixes = (self.out_suffix, ) if isinstance(self.out_suffix, str) else tuple(self.out_suffix)
            for name in os.listdir(runner.work_dir):
                if name.endswith(suffixes):
                    artifact.add_file(osp.join(runner.work_dir, name))
            self.wandb.log_artifact(artifact)
        self.wandb.finish()


@HOOKS.register_module()
class MlflowLoggerHook(LoggerHook):
    """Log metrics (and optionally the model) to MLflow."""

    def __init__(self, exp_name: str | None = None, tags: dict | None = None, params: dict | None = None,
                 log_model: bool = True, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.exp_name, self.tags, self.params, self.log_model = exp_name, tags, params, log_model

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        self.mlflow = import_backend('mlflow', 'MlflowLoggerHook')
        if self.exp_name is not None:
            self.mlflow.set_experiment(self.exp_name)
        if self.tags is not None:
            self.mlflow.set_tags(self.tags)
        if self.params is not None:
            self.mlflow.log_params(self.params)

    @master_only
    def log(self, runner) -> None:
        tags = self.get_loggable_tags(runner)
        if tags:
            self.mlflow.log_metrics(tags, step=self.get_iter(runner))

    @master_only
    def after_run(self, runner) -> None:
        if self.log_model:
            import_backend('mlflow.pytorch', 'MlflowLoggerHook', 'mlflow').log_model(runner.model, 'models')


@HOOKS.register_module()
class NeptuneLoggerHook(LoggerHook):
    """Log to Neptune (``neptune.init_run(**init_kwargs)``)."""

    def __init__(self, init_kwargs: dict | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = True, with_step: bool = True, by_epoch: bool = True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.init_kwargs, self.with_step = init_kwargs, with_step

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        neptune = import_backend('neptune', 'NeptuneLoggerHook')
        init = getattr(neptune, 'init_run', None) or neptune.init
        self.run = init(**(self.init_kwargs or {}))

    @master_only
    def log(self, runner) -> None:
        step = self.get_iter(runner)
        for name, value in self.get_loggable_tags(runner).items():
            if self.with_step:
                self.run[name].log(value, step=step)
            else:
                self.run[name].log(value)

    @master_only
    def after_run(self, runner) -> None:
        self.run.stop()


@HOOKS.register_module()
class DvcliveLoggerHook(LoggerHook):
    """Log to DVCLive (``dvclive.Live(**kwargs)``)."""

    def __init__(self, model_file: str | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True, **kwargs):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.model_file, self.kwargs = model_file, kwargs

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        self.dvclive = import_backend('dvclive', 'DvcliveLoggerHook').Live(**self.kwargs)

    @master_only
    def log(self, runner) -> None:
        self.dvclive.step = self.get_iter(runner)
        for name, value in self.get_loggable_tags(runner).items():
            self.dvclive.log_metric(name, value)

    @master_only
    def after_run(self, runner) -> None:
        if self.model_file is not None:
            runner.save_checkpoint(osp.dirname(self.model_file) or '.',
                                   filename_tmpl=osp.basename(self.model_file), create_symlink=False)
        self.dvclive.end()


@HOOKS.register_module()
class ClearMLLoggerHook(LoggerHook):
    """Log scalars to ClearML (``clearml.Task.init(**init_kwargs)``)."""

    def __init__(self, init_kwargs: dict | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.init_kwargs = init_kwargs

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        clearml = import_backend('clearml', 'ClearMLLoggerHook')
        self.task_logger = clearml.Task.init(**(self.init_kwargs or {})).get_logger()

    @master_only
    def log(self, runner) -> None:
        for tag, val in self.get_loggable_tags(runner).items():
            self.task_logger.report_scalar(tag, tag, val, self.get_iter(runner))


@HOOKS.register_module()
class SegmindLoggerHook(LoggerHook):
    """Log to Segmind (``segmind.log_metrics``)."""

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        self.log_metrics = import_backend('segmind', 'SegmindLoggerHook').log_metrics

    @master_only
    def log(self, runner) -> None:
        tags = self.get_loggable_tags(runner)
        if tags:
            self.log_metrics(tags, step=runner.epoch, epoch=runner.epoch)


@HOOKS.register_module()
class PaviLoggerHook(LoggerHook):
    """Log scalars to Pavi (``pavi.SummaryWriter``)."""

    def __init__(self, init_kwargs: dict | None = None, interval: int = 10, ignore_last: bool = True,
                 reset_flag: bool = False, by_epoch: bool = True, **kwargs):
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        self.init_kwargs = init_kwargs

    @master_only
    def before_run(self, runner) -> None:
        super().before_run(runner)
        pavi = import_backend('pavi', 'PaviLoggerHook')
        self.writer = pavi.SummaryWriter(**(self.init_kwargs or {}))

    @master_only
    def log(self, runner) -> None:
        tags = self.get_loggable_tags(runner, add_mode=False)
        if tags:
            self.writer.add_scalars(self.get_mode(runner), tags, self.get_iter(runner))
