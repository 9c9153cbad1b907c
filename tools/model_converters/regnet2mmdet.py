"""Convert a pycls RegNet checkpoint (``model_state``) to mmdet's ``RegNet`` backbone names.

    python tools/model_converters/regnet2mmdet.py RegNetX-3.2GF_dds_8gpu.pyth regnetx_3.2gf.pth

``stem.conv``/``stem.bn`` -> ``conv1``/``bn1``; ``sI.bJ.f.{a,b,c}`` and ``{a,b,c}_bn`` ->
``layerI.(J-1).conv{1,2,3}``/``bn{1,2,3}``; the first block's ``proj``/``bn`` -> ``downsample.0``/``.1``;
``head.fc`` -> ``fc``. Entries of other modules (e.g. RegNetY's squeeze-excitation) are an error.
"""
from __future__ import annotations

import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.runner import _load_checkpoint  # noqa: E402
from mmlite.runner._checkpoint_io import atomic_torch_save  # noqa: E402

BLOCK_PARTS = {'a': 'conv1', 'b': 'conv2', 'c': 'conv3', 'a_bn': 'bn1', 'b_bn': 'bn2', 'c_bn': 'bn3'}


def mmdet_key(key: str) -> str | None:
    """mmdet's name for a pycls RegNet entry; None for an entry that belongs to neither stem, stages nor head."""
    if key.startswith('stem.'):
        return key.replace('stem.conv', 'conv1').replace('stem.bn', 'bn1')
    if key.startswith('head.'):
        return key.replace('head.fc', 'fc')
    block = re.match(r'^s(\d+)\.b(\d+)\.(.+)\.(\w+)$', key)
    if block is None:
        return None
    stage, index, module, param = int(block.group(1)), int(block.group(2)), block.group(3), block.group(4)
    prefix = f'layer{stage}.{index - 1}'
    if index == 1 and module in ('proj', 'bn'):
        return f'{prefix}.downsample.{0 if module == "proj" else 1}.{param}'
    if module.startswith('f.') and module[2:] in BLOCK_PARTS:
        return f'{prefix}.{BLOCK_PARTS[module[2:]]}.{param}'
    raise ValueError(f'cannot convert {key}: only RegNetX blocks (f.a/b/c, their BNs, proj) are supported')


def convert(src: str, dst: str) -> list:
    """Write ``{'state_dict': ...}`` with mmdet's names; return the entries left out."""
    checkpoint = _load_checkpoint(src, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'model_state' not in checkpoint:
        raise ValueError(f'{src} is not a pycls checkpoint (no "model_state")')
    state_dict, skipped = OrderedDict(), []
    for key, value in checkpoint['model_state'].items():
        new_key = mmdet_key(key)
        if new_key is None:
            skipped.append(key)
        else:
            state_dict[new_key] = value
    atomic_torch_save(dict(state_dict=state_dict), dst)
    return skipped


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description='Rename a pycls RegNet checkpoint for mmdet\'s RegNet backbone')
    parser.add_argument('src', help='the pycls checkpoint')
    parser.add_argument('dst', help='where to write the converted one')
    args = parser.parse_args(argv)
    skipped = convert(args.src, args.dst)
    for key in skipped:
        print(f'not converted: {key}')
    print(f'written to {args.dst}')
    return skipped


if __name__ == '__main__':
    main()
