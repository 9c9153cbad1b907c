"""Test (and evaluate) a trained detector: the mmdet 2.x ``tools/test.py`` command line, on mmlite.

    python tools/test.py CONFIG CHECKPOINT [--out results.pkl] [--eval bbox segm] [--format-only]
                         [--show-dir DIR] [--show-score-thr 0.3] [--cfg-options k=v ...]
                         [--launcher none|pytorch|slurm|mpi]
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout too

from mmlite.apis import multi_gpu_test, single_gpu_test  # noqa: E402
from mmlite.apis.test_setup import build_test_model, load_test_config  # noqa: E402
from mmlite.core.evaluation import dataset_evaluate_kwargs  # noqa: E402
from mmlite.datasets import build_dataloader, build_dataset, replace_ImageToTensor  # noqa: E402
from mmlite.parallel import build_ddp, build_dp  # noqa: E402
from mmlite.runner import get_dist_info, init_dist  # noqa: E402
from mmlite.utils import Config, DictAction, dump, mkdir_or_exist  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Run a detector over a test set; evaluate, dump or draw the results')
    parser.add_argument('config', help='the config file')
    parser.add_argument('checkpoint', help='the weights to test (.pth)')
    parser.add_argument('--work-dir', help='where eval_<time>.json with the metrics is written')
    parser.add_argument('--out', help='write the raw results to this .pkl file')
    parser.add_argument('--fuse-conv-bn', action='store_true', help='fold BatchNorm into the preceding '
                        'convolutions (a little faster inference)')
    parser.add_argument('--gpu-ids', type=int, nargs='+', help='deprecated: pass --gpu-id; only the first id is used')
    parser.add_argument('--gpu-id', type=int, default=0, help='the GPU to test on when not '
                        'distributed')
    parser.add_argument('--format-only', action='store_true', help='write the results in the data set\'s '
                        'submission format (see --eval-options) and skip evaluation, e.g. for a test server')
    parser.add_argument('--eval', type=str, nargs='+', help='metrics to compute; the data set '
                        'decides which exist (COCO: bbox segm proposal; VOC: mAP recall)')
    parser.add_argument('--show', action='store_true', help='show results (mmlite draws to --show-dir instead)')
    parser.add_argument('--show-dir', help='draw the detections on each image into this folder')
    parser.add_argument('--show-score-thr', type=float, default=0.3, help='draw detections scoring at least this')
    parser.add_argument('--gpu-collect', action='store_true', help='gather distributed results through GPU memory')
    parser.add_argument('--tmpdir', help='folder through which distributed ranks '
                        'hand in their results (without --gpu-collect)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    parser.add_argument('--options', nargs='+', action=DictAction, help='deprecated name of --eval-options')
    parser.add_argument('--eval-options', nargs='+', action=DictAction, help='key=value keyword arguments passed to '
                        'dataset.evaluate() (or format_results() with --format-only)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='how the processes were started (distributed runs)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.options and args.eval_options:
        raise ValueError('--options and --eval-options cannot be both specified, --options is deprecated in favor '
                         'of --eval-options')
    if args.options:
        warnings.warn('--options is deprecated in favor of --eval-options')
        args.eval_options = args.options
    return args


def check_args(args) -> None:
    if not (args.out or args.eval or args.format_only or args.show or args.show_dir):
        raise SystemExit('Please specify at least one operation (save/eval/format/show the results / save the '
                         'results) with the argument "--out", "--eval", "--format-only", "--show" or "--show-dir"')
    if args.eval and args.format_only:
        raise SystemExit('--eval and --format-only cannot be both specified')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise SystemExit(f'--out {args.out}: the output file must be a .pkl file.')


def load_config(args) -> Config:
    cfg = load_test_config(args.config, args.cfg_options)
    if args.gpu_ids is not None:
        warnings.warn('`--gpu-ids` is deprecated, please use `--gpu-id`; testing uses the first id.')
        cfg.gpu_ids = args.gpu_ids[:1]
    else:
        cfg.gpu_ids = [args.gpu_id]
    return cfg


def build_test_loader(cfg, distributed: bool):
    loader_cfg = {**dict(samples_per_gpu=1, workers_per_gpu=2, dist=distributed, shuffle=False),
                  **cfg.data.get('test_dataloader', {})}
    test_cfgs = cfg.data.test if isinstance(cfg.data.test, list) else [cfg.data.test]
    for test_cfg in test_cfgs:
        test_cfg.test_mode = True
        if loader_cfg['samples_per_gpu'] > 1:
            test_cfg.pipeline = replace_ImageToTensor(test_cfg.pipeline)
    dataset = build_dataset(cfg.data.test)
    return dataset, build_dataloader(dataset, **loader_cfg)


def report(cfg, args, dataset, outputs) -> None:
    """Rank 0: save, format and/or evaluate the results."""
    if args.out:
        print(f'\nwriting results to {args.out}')
        dump(outputs, args.out)
    kwargs = args.eval_options or {}
    if args.format_only:
        dataset.format_results(outputs, **kwargs)
    if args.eval:
        metric = dataset.evaluate(outputs, **dataset_evaluate_kwargs(cfg.get('evaluation'), args.eval, kwargs))
        print(metric)
        if args.work_dir is not None:
            mkdir_or_exist(osp.abspath(args.work_dir))
            timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
            dump(dict(config=args.config, metric=metric), osp.join(args.work_dir, f'eval_{timestamp}.json'))


def main(argv=None) -> None:
    args = parse_args(argv)
    check_args(args)
    cfg = load_config(args)
    distributed = args.launcher != 'none'
    if distributed:
        init_dist(args.launcher, **cfg.get('dist_params', {}))
    dataset, data_loader = build_test_loader(cfg, distributed)
    model = build_test_model(cfg, args.checkpoint, args.fuse_conv_bn, dataset)
    if distributed:
        model = build_ddp(model, cfg.device, device_ids=[int(os.environ['LOCAL_RANK'])], broadcast_buffers=False)
        outputs = multi_gpu_test(model, data_loader, args.tmpdir,
                                 args.gpu_collect or cfg.get('evaluation', {}).get('gpu_collect', False))
    else:
        model = build_dp(model, cfg.device, device_ids=cfg.gpu_ids)
        outputs = single_gpu_test(model, data_loader, args.show, args.show_dir, args.show_score_thr)
    if get_dist_info()[0] == 0:
        report(cfg, args, dataset, outputs)


if __name__ == '__main__':
    main()
