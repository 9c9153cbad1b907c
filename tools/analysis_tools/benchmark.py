"""Inference speed of a detector on its test set: mmdet's ``tools/analysis_tools/benchmark.py``.

    python tools/analysis_tools/benchmark.py CONFIG CHECKPOINT [--max-iter 2000] [--log-interval 50]
                                             [--repeat-num 1] [--fuse-conv-bn] [--launcher none|pytorch]

One image per iteration; the first 5 are warm-up and not timed. Runs on the GPU when there is one,
else the CPU (mmdet's needed a distributed CUDA launch); with ``--launcher pytorch`` each process
measures its own share.
"""
from __future__ import annotations

import argparse
import copy
import os
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout too

from mmlite.apis.test_setup import build_test_model, load_test_config  # noqa: E402
from mmlite.datasets import build_dataloader, build_dataset, replace_ImageToTensor  # noqa: E402
from mmlite.parallel import build_ddp, build_dp  # noqa: E402
from mmlite.runner import init_dist  # noqa: E402
from mmlite.utils import DictAction  # noqa: E402

NUM_WARMUP = 5


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Measure a detector\'s inference speed (images/s)')
    parser.add_argument('config', help='the config file')
    parser.add_argument('checkpoint', help='the weights to load (.pth)')
    parser.add_argument('--repeat-num', type=int, default=1, help='measure this many times and report the '
                        'mean')
    parser.add_argument('--max-iter', type=int, default=2000, help='images per measurement')
    parser.add_argument('--log-interval', type=int, default=50, help='print the running speed every this many images')
    parser.add_argument('--fuse-conv-bn', action='store_true', help='fold BatchNorm into the preceding '
                        'convolutions (a little faster inference)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='how the processes were started (distributed runs)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.repeat_num < 1 or args.max_iter <= NUM_WARMUP or args.log_interval < 1:
        parser.error(f'--repeat-num must be >= 1, --max-iter > {NUM_WARMUP} (the warm-up), --log-interval >= 1')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def _synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _report(done: int, seconds: float, max_iter: int, final: bool) -> float:
    fps = done / seconds
    head = 'Overall fps' if final else f'Done image [{done + NUM_WARMUP:<3}/ {max_iter}], fps'
    print(f'{head}: {fps:.1f} img / s, times per image: {1000 / fps:.1f} ms / img', flush=True)
    return fps


def measure_inference_speed(cfg, checkpoint: str, max_iter: int, log_interval: int, is_fuse_conv_bn: bool,
                            distributed: bool = False) -> float:
    """Images per second over up to ``max_iter`` test images (after the warm-up)."""
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    cfg.data.test.test_mode = True
    if cfg.data.test.pop('samples_per_gpu', 1) > 1:
        cfg.data.test.pipeline = replace_ImageToTensor(cfg.data.test.pipeline)
    dataset = build_dataset(cfg.data.test)
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=cfg.data.get('workers_per_gpu', 2),
                              dist=distributed, shuffle=False)
    model = build_test_model(cfg, checkpoint, is_fuse_conv_bn, dataset)
    if distributed:
        model = build_ddp(model, cfg.device, device_ids=[int(os.environ['LOCAL_RANK'])], broadcast_buffers=False)
    else:
        model = build_dp(model, cfg.device, device_ids=[0])
    model.eval()
    timed = 0.0
    for i, data in enumerate(loader):
        _synchronize()
        start = time.perf_counter()
        with torch.no_grad():
            model(return_loss=False, rescale=True, **data)
        _synchronize()
        if i >= NUM_WARMUP:
            timed += time.perf_counter() - start
            done = i + 1 - NUM_WARMUP
            if (i + 1) % log_interval == 0:
                _report(done, timed, max_iter, final=False)
        if i + 1 == max_iter:
            break
    if timed == 0:
        raise SystemExit(f'the test set has {len(dataset)} images: more than {NUM_WARMUP} (the warm-up) are needed')
    return _report(min(len(loader), max_iter) - NUM_WARMUP, timed, max_iter, final=True)


def repeat_measure_inference_speed(cfg, checkpoint: str, max_iter: int, log_interval: int, is_fuse_conv_bn: bool,
                                   repeat_num: int = 1, distributed: bool = False):
    """``measure_inference_speed`` ``repeat_num`` times; with several, also their mean (mmdet's line)."""
    fps_list = [measure_inference_speed(copy.deepcopy(cfg), checkpoint, max_iter, log_interval, is_fuse_conv_bn,
                                        distributed) for _ in range(repeat_num)]
    if repeat_num == 1:
        return fps_list[0]
    fps_rounded = [round(fps, 1) for fps in fps_list]
    times = [round(1000 / fps, 1) for fps in fps_list]
    print(f'Overall fps: {fps_rounded}[{sum(fps_rounded) / len(fps_rounded):.1f}] img / s, times per image: '
          f'{times}[{sum(times) / len(times):.1f}] ms / img', flush=True)
    return fps_list


def main(argv=None):
    args = parse_args(argv)
    cfg = load_test_config(args.config, args.cfg_options)
    distributed = args.launcher != 'none'
    if distributed:
        init_dist(args.launcher, **cfg.get('dist_params', {}))
    return repeat_measure_inference_speed(cfg, args.checkpoint, args.max_iter, args.log_interval,
                                          args.fuse_conv_bn, args.repeat_num, distributed)


if __name__ == '__main__':
    main()
