"""Train a detector: the mmdet 2.x ``tools/train.py`` command line, on mmlite.

    python tools/train.py CONFIG [--work-dir DIR] [--resume-from CKPT | --auto-resume] [--no-validate]
                          [--gpu-ids 0 1 | --gpu-id 0] [--seed N] [--deterministic]
                          [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
"""
from __future__ import annotations

import argparse
import copy
import os
import os.path as osp
import sys
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout too

import torch  # noqa: E402

from mmlite import __version__  # noqa: E402
from mmlite.apis import init_random_seed, set_random_seed, train_detector  # noqa: E402
from mmlite.datasets import build_dataset  # noqa: E402
from mmlite.models import build_detector  # noqa: E402
from mmlite.runner import get_dist_info, init_dist  # noqa: E402
from mmlite.utils import (Config, DictAction, collect_env, get_device, get_root_logger, mkdir_or_exist,  # noqa: E402
                          replace_cfg_vals, setup_multi_processes, update_data_root)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model from an mmdet 2.x style config')
    parser.add_argument('config', help='the config file')
    parser.add_argument('--work-dir', help='folder for checkpoints and logs (default: work_dirs/<config name>)')
    parser.add_argument('--resume-from', help='continue the run saved in this checkpoint')
    parser.add_argument('--auto-resume', action='store_true',
                        help='continue from the newest checkpoint in the work dir, if any')
    parser.add_argument('--no-validate', action='store_true', help='skip the evaluation hook during '
                        'training')
    group_gpus = parser.add_mutually_exclusive_group()
    group_gpus.add_argument('--gpus', type=int, help='deprecated: pass --gpu-ids; trains on GPUs '
                            '0..N-1 in one process')
    group_gpus.add_argument('--gpu-ids', type=int, nargs='+', help='GPUs for a single-process run; more than '
                            'one splits each batch across them (MMDataParallel)')
    group_gpus.add_argument('--gpu-id', type=int, default=0, help='the GPU of a single-process, single-GPU '
                            'run')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed for Python, NumPy and torch (default: drawn and logged)')
    parser.add_argument('--diff-seed', action='store_true', help='offset the seed by the rank so ranks draw '
                        'different augmentations')
    parser.add_argument('--deterministic', action='store_true', help='ask cuDNN for deterministic algorithms '
                        '(slower)')
    parser.add_argument('--options', nargs='+', action=DictAction,
                        help='deprecated name of --cfg-options')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='how the processes were started (distributed runs)')
    # torch.distributed.launch passes --local_rank before torch 2.0 and --local-rank since
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual total batch size over auto_scale_lr.base_batch_size')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.options and args.cfg_options:
        raise ValueError('--options and --cfg-options cannot be both specified, --options is deprecated in favor '
                         'of --cfg-options')
    if args.options:
        warnings.warn('--options is deprecated in favor of --cfg-options')
        args.cfg_options = args.options
    return args


def load_config(args) -> Config:
    """The config with CLI overrides, data-root override and work_dir resolved."""
    cfg = replace_cfg_vals(Config.fromfile(args.config))
    update_data_root(cfg)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.auto_scale_lr:
        if 'auto_scale_lr' in cfg and 'base_batch_size' in cfg.auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        else:
            warnings.warn('Can not find "auto_scale_lr" or "auto_scale_lr.base_batch_size" in your configuration '
                          'file. Please update all the configuration files to mmdet >= 2.24.1.')
    setup_multi_processes(cfg)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.resume_from is not None:
        cfg.resume_from = args.resume_from
    cfg.auto_resume = args.auto_resume
    return cfg


def select_gpus(cfg, args) -> None:
    """``--gpus N`` (deprecated), ``--gpu-ids`` (data parallel) or ``--gpu-id``; CPU when no CUDA."""
    if args.gpus is not None:
        warnings.warn('`--gpus` is deprecated; it selects GPUs 0..N-1. Please use `--gpu-ids` or `--gpu-id`.')
        cfg.gpu_ids = list(range(args.gpus))
    elif args.gpu_ids is not None:
        cfg.gpu_ids = list(args.gpu_ids)
    else:
        cfg.gpu_ids = [args.gpu_id]
    cfg.device = get_device()
    if cfg.device == 'cpu' and (len(cfg.gpu_ids) > 1 or args.gpus or args.gpu_ids):
        warnings.warn(f'GPUs {cfg.gpu_ids} were requested but CUDA is not available: training on the CPU')
        cfg.gpu_ids = [0]
    elif cfg.device == 'cuda' and max(cfg.gpu_ids) >= torch.cuda.device_count():
        raise ValueError(f'--gpu-ids {cfg.gpu_ids}: this machine has {torch.cuda.device_count()} GPU(s)')


def start_logging(cfg, args, distributed: bool, timestamp: str):
    """Dump the config into work_dir, open ``<timestamp>.log``, log env and config; returns (logger, meta)."""
    mkdir_or_exist(osp.abspath(cfg.work_dir))
    cfg.dump(osp.join(cfg.work_dir, osp.basename(args.config)))
    logger = get_root_logger(log_file=osp.join(cfg.work_dir, f'{timestamp}.log'), log_level=cfg.log_level)
    env_info = '\n'.join(f'{k}: {v}' for k, v in collect_env().items())
    dash_line = '-' * 60 + '\n'
    logger.info('Environment info:\n' + dash_line + env_info + '\n' + dash_line)
    logger.info(f'Distributed training: {distributed}')
    logger.info(f'Config:\n{cfg.pretty_text}')
    return logger, dict(env_info=env_info, config=cfg.pretty_text)


def build_datasets(cfg) -> list:
    """The train set, plus (for a 2-phase workflow) the val set with the train pipeline."""
    datasets = [build_dataset(cfg.data.train)]
    if len(cfg.workflow) == 2:
        if 'val' not in [mode for mode, _ in cfg.workflow]:
            raise ValueError(f'a two-phase workflow needs a "val" phase, got {cfg.workflow}')
        val_dataset = copy.deepcopy(cfg.data.val)
        train = cfg.data.train
        val_dataset.pipeline = train.get('pipeline', train.get('dataset', {}).get('pipeline'))
        datasets.append(build_dataset(val_dataset))
    return datasets


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args)
    select_gpus(cfg, args)
    distributed = args.launcher != 'none'
    if distributed:
        init_dist(args.launcher, **cfg.get('dist_params', {}))
        cfg.gpu_ids = list(range(get_dist_info()[1]))
    timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    logger, meta = start_logging(cfg, args, distributed, timestamp)
    seed = init_random_seed(args.seed, device=cfg.device)
    seed = seed + get_dist_info()[0] if args.diff_seed else seed
    logger.info(f'Set random seed to {seed}, deterministic: {args.deterministic}')
    set_random_seed(seed, deterministic=args.deterministic)
    cfg.seed = seed
    meta.update(seed=seed, exp_name=osp.basename(args.config))
    model = build_detector(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
    model.init_weights()
    datasets = build_datasets(cfg)
    if cfg.checkpoint_config is not None:
        # CLASSES in every checkpoint, so tests and inference name the classes
        cfg.checkpoint_config.meta = dict(mmlite_version=__version__, CLASSES=datasets[0].CLASSES)
    model.CLASSES = datasets[0].CLASSES
    train_detector(model, datasets, cfg, distributed=distributed, validate=not args.no_validate,
                   timestamp=timestamp, meta=meta)


if __name__ == '__main__':
    main()
