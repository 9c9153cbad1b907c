"""Evaluate saved detection results (``tools/test.py --out results.pkl``) without running the model:
mmdet's ``tools/analysis_tools/eval_metric.py``.

    python tools/analysis_tools/eval_metric.py CONFIG results.pkl --eval bbox [segm] [--eval-options k=v]
    python tools/analysis_tools/eval_metric.py CONFIG results.pkl --format-only --eval-options jsonfile_prefix=out

The results file is a pickle: load only files you produced (unpickling can run code).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout too

from mmlite.apis.saved_results import load_test_set_and_results  # noqa: E402
from mmlite.core.evaluation import dataset_evaluate_kwargs  # noqa: E402
from mmlite.utils import DictAction  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate results saved by tools/test.py --out, without '
                                     'running the model')
    parser.add_argument('config', help='the config file (its data.test is evaluated)')
    parser.add_argument('pkl_results', help='results .pkl written by tools/test.py --out')
    parser.add_argument('--format-only', action='store_true', help='write the results in the data set\'s '
                        'submission format (see --eval-options) and skip evaluation, e.g. for a test server')
    parser.add_argument('--eval', type=str, nargs='+', help='metrics to compute; the data set '
                        'decides which exist (COCO: bbox segm proposal; VOC: mAP recall)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    parser.add_argument('--eval-options', nargs='+', action=DictAction, help='key=value keyword arguments passed to '
                        'dataset.evaluate() (or format_results() with --format-only)')
    args = parser.parse_args(argv)
    if not (args.eval or args.format_only):
        parser.error('give --eval METRIC... and/or --format-only')
    return args


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    cfg, dataset, outputs = load_test_set_and_results(args.config, args.pkl_results, args.cfg_options)
    kwargs = args.eval_options or {}
    if args.format_only:
        dataset.format_results(outputs, **kwargs)
    if not args.eval:
        return None
    metric = dataset.evaluate(outputs, **dataset_evaluate_kwargs(cfg.get('evaluation'), args.eval, kwargs))
    print(metric)
    return metric


if __name__ == '__main__':
    main()
