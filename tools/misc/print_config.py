"""Print the fully resolved config (``_base_`` chain merged, CLI overrides applied).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.utils import Config, DictAction, replace_cfg_vals, update_data_root  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print a config with its _base_ files merged in')
    parser.add_argument('config', help='the config file')
    parser.add_argument('--options', nargs='+', action=DictAction, help='(deprecated) use --cfg-options')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    args = parser.parse_args(argv)
    if args.options and args.cfg_options:
        raise ValueError('--options and --cfg-options cannot be both specified')
    if args.options:
        warnings.warn('--options is deprecated in favor of --cfg-options')
        args.cfg_options = args.options
    return args


def main(argv=None) -> str:
    args = parse_args(argv)
    cfg = replace_cfg_vals(Config.fromfile(args.config))
    update_data_root(cfg)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    text = f'Config:\n{cfg.pretty_text}'
    print(text)
    return text


if __name__ == '__main__':
    main()
