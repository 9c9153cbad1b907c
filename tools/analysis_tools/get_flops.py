"""Count a detector's FLOPs (multiply-adds of its counted layers, as mmcv does) and parameters.

    python tools/analysis_tools/get_flops.py CONFIG [--shape 1280 800] [--size-divisor 32] [--cfg-options k=v ...]

The count runs ``model.forward_dummy`` (backbone, neck and heads; no post-processing) on one image.
"""
from __future__ import annotations

import argparse
import math
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.cnn import get_model_complexity_info  # noqa: E402
from mmlite.models import build_detector  # noqa: E402
from mmlite.utils import Config, DictAction, replace_cfg_vals, update_data_root  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Get a detector\'s FLOPs and parameters')
    parser.add_argument('config', help='the config file')
    parser.add_argument('--shape', type=int, nargs='+', default=[1280, 800], help='input image size (h w, or one '
                        'number for a square)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    parser.add_argument('--size-divisor', type=int, default=32, help='pad the input shape to a multiple of this '
                        '(as the Pad transform does); -1 leaves it as given')
    return parser.parse_args(argv)


def input_shape_of(shape: list[int], size_divisor: int) -> tuple[tuple, tuple]:
    """``(given, padded)`` ``(3, h, w)`` shapes."""
    if len(shape) == 1:
        shape = [shape[0], shape[0]]
    elif len(shape) != 2:
        raise ValueError(f'--shape takes one or two numbers (h w), got {shape}')
    given = (3, *shape)
    if size_divisor > 0:
        return given, (3, *(int(math.ceil(side / size_divisor)) * size_divisor for side in shape))
    return given, given


def main(argv=None) -> tuple[str, str]:
    args = parse_args(argv)
    given, input_shape = input_shape_of(args.shape, args.size_divisor)
    cfg = replace_cfg_vals(Config.fromfile(args.config))
    update_data_root(cfg)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    model = build_detector(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
    model.eval()
    if not hasattr(model, 'forward_dummy'):
        raise NotImplementedError(f'FLOPs counter is currently not supported for {type(model).__name__} '
                                  '(it has no forward_dummy)')
    model.forward = model.forward_dummy
    flops, params = get_model_complexity_info(model, input_shape, print_per_layer_stat=False)
    if given != input_shape:
        print(f'Use size divisor set input shape from {given} to {input_shape}\n')
    print(f"{'=' * 30}\nInput shape: {input_shape}\nFlops: {flops}\nParams: {params}\n{'=' * 30}")
    print('!!!Please be cautious if you use the results in papers. You may need to check if all ops are '
          'supported and verify that the flops computation is correct.')
    return flops, params


if __name__ == '__main__':
    main()
