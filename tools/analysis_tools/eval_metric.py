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
    parser = argparse.ArgumentParser(description='Evaluate metric of the results saved in pkl format')
    parser.add_argument('config', help='Config of the model')
    parser.add_argument('pkl_results', help='Results in pickle format')
    parser.add_argument('--format-only', action='store_true', help='Format the output results without perform '
                        'evaluation. It is useful when you want to format the result to a specific format and '
                        'submit it to the test server')
    parser.add_argument('--eval', type=str, nargs='+', help='Evaluation metrics, which depends on the dataset, '
                        'e.g., "bbox", "segm", "proposal" for COCO, and "mAP", "recall" for PASCAL VOC')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override some settings in the used '
                        'config, the key-value pair in xxx=yyy format will be merged into config file')
    parser.add_argument('--eval-options', nargs='+', action=DictAction, help='custom options for evaluation, the '
                        'key-value pair in xxx=yyy format will be kwargs for dataset.evaluate() function')
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
