"""Which of your mmdet 2.x configs mmlite can run, unchanged: each config under the given paths is loaded
(``_base_`` chain, ``custom_imports``), its dataset and pipeline types are looked up and its model is built
(pretrained weights are not loaded). One line per config, then a summary of what is missing, most needed
first.

    python tools/misc/check_configs.py path/to/configs [more paths or files] [--json report.json]

Exit status 0 when every config passes, 1 otherwise.
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import logging
import os.path as osp
import sys
import warnings

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.datasets import DATASETS, PIPELINES  # noqa: E402
from mmlite.models import build_detector  # noqa: E402
from mmlite.utils import Config  # noqa: E402


def find_configs(paths: list) -> list:
    """The config files named or found (recursively) under ``paths``, without ``_base_`` folders."""
    found = []
    for path in paths:
        if osp.isdir(path):
            found += sorted(p for p in glob.glob(osp.join(path, '**', '*.py'), recursive=True)
                            if '_base_' not in p.split(osp.sep))
        elif osp.isfile(path):
            found.append(path)
        else:
            raise FileNotFoundError(f'{path}: no such config file or folder')
    return found


def _pipeline_types(pipeline) -> list:
    types = []
    for step in pipeline or []:
        types.append(step.get('type'))
        types += _pipeline_types(step.get('transforms'))
        for policy in step.get('policies', []):  # AutoAugment
            types += _pipeline_types(policy)
    return types


def _dataset_problems(data: dict) -> list:
    problems = []
    for split in ('train', 'val', 'test'):
        pending = list(data.get(split) or []) if isinstance(data.get(split), list) else [data.get(split)]
        while pending:
            dataset = pending.pop()
            if not isinstance(dataset, dict):
                continue
            if DATASETS.get(dataset.get('type')) is None:
                problems.append(f"dataset type {dataset.get('type')!r}")
            pending += dataset['datasets'] if isinstance(dataset.get('datasets'), list) else []
            pending.append(dataset.get('dataset'))
            problems += [f'pipeline type {t!r}' for t in _pipeline_types(dataset.get('pipeline'))
                         if PIPELINES.get(t) is None]
    return problems


def _without_pretrained(value):
    """``value`` with every ``Pretrained`` init_cfg, ``pretrained`` path and distillation ``teacher_ckpt``
    removed (nothing downloaded)."""
    if isinstance(value, dict):
        if value.get('type') == 'Pretrained':
            return None
        return {k: None if k == 'teacher_ckpt' else _without_pretrained(v) for k, v in value.items()
                if k != 'pretrained'}
    if isinstance(value, list):
        return [_without_pretrained(v) for v in value]
    return value


def _build_on_meta(model_cfg: dict):
    """Build the model on the meta device (every layer and shape, no memory filled); layers that read values
    while building (e.g. drop-path rates) fail there with a RuntimeError and are built for real."""
    try:
        with torch.device('meta'):
            return build_detector(model_cfg)
    except RuntimeError:
        return build_detector(model_cfg)


def check_config(path: str) -> list:
    """The problems of one config (empty when mmlite can run it)."""
    try:
        cfg = Config.fromfile(path)
    except Exception as exc:  # noqa: BLE001 (reported, not raised: one bad config must not stop the sweep)
        return [f'config does not load: {type(exc).__name__}: {exc}']
    problems = list(dict.fromkeys(_dataset_problems(cfg.get('data') or {})))  # once per config
    if 'model' not in cfg:
        return problems + ['no model in the config']
    try:
        _build_on_meta(_without_pretrained(cfg.model.to_dict()))
    except Exception as exc:  # noqa: BLE001
        problems.append(f'model does not build: {type(exc).__name__}: {exc}')
    return problems


def _missing_name(problem: str) -> str:
    """A short key for the summary: the missing registered name, else the exception type."""
    marker = ' is not in the '
    if marker in problem:
        return problem.split(': ', 2)[-1].split(marker)[0].strip("'\"") + ' (not registered)'
    if ': unknown key' in problem:
        return problem.split(': unknown key')[0].rsplit('): ', 1)[-1] + ' (unknown config keys)'
    if problem.startswith(('dataset type', 'pipeline type')):
        return problem
    return problem.split(': ', 2)[1] if problem.count(': ') >= 2 else problem


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Check which mmdet 2.x configs mmlite can build and run')
    parser.add_argument('paths', nargs='+', help='config files or folders (searched recursively)')
    parser.add_argument('--json', help='also write {config: [problems]} to this file')
    args = parser.parse_args(argv)
    configs = find_configs(args.paths)
    previous = logging.root.manager.disable
    with warnings.catch_warnings():  # building hundreds of models: keep the report readable
        warnings.simplefilter('ignore')
        logging.disable(logging.WARNING)
        try:
            report = {path: check_config(path) for path in configs}
        finally:
            logging.disable(previous)
    missing = collections.Counter()
    for path, problems in report.items():
        print(f"{'ok  ' if not problems else 'FAIL'} {path}" + ''.join(f'\n       {p[:300]}' for p in problems))
        missing.update({_missing_name(p) for p in problems})
    passed = sum(not problems for problems in report.values())
    print(f'\n{passed} of {len(report)} configs build in mmlite.')
    for name, count in missing.most_common():
        print(f'{count:5d}  {name}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)
    return 0 if passed == len(report) else 1


if __name__ == '__main__':
    sys.exit(main())
