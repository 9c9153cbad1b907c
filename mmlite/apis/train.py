"""``train_detector``: mmdet 2.x's training entry, as a short orchestrator over named steps."""
from __future__ import annotations

import os

from ..core.evaluation import DistEvalHook, EvalHook
from ..core.utils import sync_random_seed
from ..datasets import build_dataloader, build_dataset, replace_ImageToTensor
from ..parallel import build_ddp, build_dp
from ..runner import (DistSamplerSeedHook, EpochBasedRunner, Fp16OptimizerHook, OptimizerHook, build_optimizer,
                      build_runner, find_latest_checkpoint, get_dist_info)
from ..runner.utils import set_random_seed  # noqa: F401
from ..utils import compat_cfg, get_device, get_root_logger
from .speed_knobs import apply_speed_knobs


def init_random_seed(seed: int | None = None, device: str = 'cuda') -> int:
    """``seed`` if given, else a random one that every rank shares (rank 0's, broadcast)."""
    return seed if seed is not None else sync_random_seed(None, device)


def auto_scale_lr(cfg, distributed: bool, logger) -> None:
    """Scale ``cfg.optimizer.lr`` by (GPUs x samples_per_gpu) / ``auto_scale_lr.base_batch_size``."""
    scale_cfg = cfg.get('auto_scale_lr')
    if not scale_cfg or not scale_cfg.get('enable', False):
        logger.info('Automatic scaling of learning rate (LR) has been disabled.')
        return
    base_batch_size = scale_cfg.get('base_batch_size')
    if base_batch_size is None:
        return
    num_gpus = get_dist_info()[1] if distributed else len(cfg.gpu_ids)
    samples_per_gpu = cfg.data.train_dataloader.get('samples_per_gpu', 2)
    batch_size = num_gpus * samples_per_gpu
    logger.info(f'Training with {num_gpus} GPU(s) with {samples_per_gpu} samples per GPU. '
                f'The total batch size is {batch_size}.')
    if batch_size == base_batch_size:
        logger.info(f'The batch size matches the base batch size {base_batch_size}; LR stays {cfg.optimizer.lr}.')
        return
    scaled_lr = batch_size / base_batch_size * cfg.optimizer.lr
    logger.info(f'LR has been automatically scaled from {cfg.optimizer.lr} to {scaled_lr}')
    cfg.optimizer.lr = scaled_lr


def _check_devices(cfg, logger) -> None:
    cfg.setdefault('device', get_device())
    cfg.gpu_ids = list(cfg.get('gpu_ids') or [0])
    if cfg.device == 'cpu' and len(cfg.gpu_ids) > 1:
        logger.warning(f'gpu_ids={cfg.gpu_ids} asks for {len(cfg.gpu_ids)} GPUs but CUDA is not available: '
                       'training on the CPU with one process')
        cfg.gpu_ids = [0]


def _train_loaders(datasets: list, cfg, distributed: bool, runner_type: str) -> list:
    defaults = dict(samples_per_gpu=2, workers_per_gpu=2, num_gpus=len(cfg.gpu_ids), dist=distributed,
                    seed=cfg.get('seed'), runner_type=runner_type, persistent_workers=False)
    loader_cfg = {**defaults, **cfg.data.get('train_dataloader', {})}
    return [build_dataloader(ds, **loader_cfg) for ds in datasets]


def _wrap_model(model, cfg, distributed: bool):
    if distributed:
        local_rank = int(os.environ.get('LOCAL_RANK', 0))
        return build_ddp(model, cfg.device, device_ids=[local_rank], broadcast_buffers=False,
                         find_unused_parameters=cfg.get('find_unused_parameters', False))
    return build_dp(model, cfg.device, device_ids=list(cfg.gpu_ids))


def _optimizer_hook(cfg, distributed: bool):
    """``fp16=dict(loss_scale=...)`` → Fp16OptimizerHook; a plain dict stays a config."""
    optimizer_config = cfg.get('optimizer_config') or {}
    fp16_cfg = cfg.get('fp16')
    if fp16_cfg is not None:
        return Fp16OptimizerHook(**optimizer_config, **fp16_cfg, distributed=distributed)
    if distributed and 'type' not in optimizer_config:
        return OptimizerHook(**optimizer_config)
    return optimizer_config


def _register_eval_hook(runner, cfg, distributed: bool) -> None:
    loader_cfg = {**dict(samples_per_gpu=1, workers_per_gpu=2, dist=distributed, shuffle=False,
                         persistent_workers=False), **cfg.data.get('val_dataloader', {})}
    if loader_cfg['samples_per_gpu'] > 1:
        cfg.data.val.pipeline = replace_ImageToTensor(cfg.data.val.pipeline)
    val_dataset = build_dataset(cfg.data.val, dict(test_mode=True))
    val_loader = build_dataloader(val_dataset, **loader_cfg)
    eval_cfg = dict(cfg.get('evaluation', {}))
    eval_cfg['by_epoch'] = cfg.runner['type'] != 'IterBasedRunner'
    hook_cls = DistEvalHook if distributed else EvalHook
    # LOW: after the LR/optimizer/checkpoint hooks of the same stage, before the loggers
    runner.register_hook(hook_cls(val_loader, **eval_cfg), priority='LOW')


def _resume_or_load(runner, cfg) -> None:
    resume_from = cfg.get('resume_from')
    if resume_from is None and cfg.get('auto_resume'):
        resume_from = find_latest_checkpoint(cfg.work_dir)
        if resume_from is not None:
            runner.logger.info(f'auto_resume: continuing from {resume_from}')
    if resume_from:
        cfg.resume_from = resume_from
        runner.resume(resume_from)
    elif cfg.get('load_from'):
        runner.load_checkpoint(cfg.load_from)


def train_detector(model, dataset, cfg, distributed: bool = False, validate: bool = False,
                   timestamp: str | None = None, meta: dict | None = None) -> None:
    """Train ``model`` on ``dataset`` (one or a list, for a multi-phase workflow) as mmdet 2.x does.

    ``cfg`` needs ``data``, ``optimizer``, ``lr_config``, ``checkpoint_config``, ``log_config``,
    ``workflow``, ``work_dir``, ``gpu_ids`` and ``runner`` (or the legacy ``total_epochs``); older
    layouts (``imgs_per_gpu``, loader keys under ``data``) are translated by ``compat_cfg``.
    """
    cfg = compat_cfg(cfg)
    logger = get_root_logger(log_level=cfg.get('log_level', 'INFO'))
    _check_devices(cfg, logger)
    datasets = dataset if isinstance(dataset, (list, tuple)) else [dataset]
    runner_type = cfg.runner['type']
    data_loaders = _train_loaders(datasets, cfg, distributed, runner_type)
    model = _wrap_model(apply_speed_knobs(model, cfg, logger), cfg, distributed)
    auto_scale_lr(cfg, distributed, logger)
    optimizer = build_optimizer(model, cfg.optimizer)
    runner = build_runner(cfg.runner, default_args=dict(model=model, optimizer=optimizer, work_dir=cfg.work_dir,
                                                        logger=logger, meta=meta))
    runner.timestamp = timestamp  # the .log and .log.json share this name
    runner.register_training_hooks(cfg.lr_config, _optimizer_hook(cfg, distributed), cfg.checkpoint_config,
                                   cfg.log_config, cfg.get('momentum_config'),
                                   custom_hooks_config=cfg.get('custom_hooks'))
    if distributed and isinstance(runner, EpochBasedRunner):
        runner.register_hook(DistSamplerSeedHook())
    if validate:
        _register_eval_hook(runner, cfg, distributed)
    _resume_or_load(runner, cfg)
    runner.run(data_loaders, cfg.workflow)
