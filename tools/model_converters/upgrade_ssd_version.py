"""Upgrade an SSD checkpoint of mmdetection before v2.14 (extra layers and L2 norm in the backbone) to
the ``SSDVGG`` + ``SSDNeck`` + ``SSDHead`` layout.

    python tools/model_converters/upgrade_ssd_version.py OLD.pth NEW.pth

``backbone.extra.N.*`` -> ``neck.extra_layers.{N // 2}.{N % 2}.conv.*``, ``backbone.l2_norm.weight`` ->
``neck.l2_norm.weight``, ``bbox_head.{cls,reg}_convs.N.*`` -> ``bbox_head.{cls,reg}_convs.N.0.*``. The
checkpoint's config text is read (never executed) to check that it is an SSD.
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
from mmlite.utils.config_literal import checkpoint_config  # noqa: E402


def new_ssd_key(key: str) -> str:
    """The current name of an old SSD state-dict entry."""
    extra = re.match(r'^backbone\.extra\.(\d+)\.(\w+)$', key)
    if extra:
        index = int(extra.group(1))
        return f'neck.extra_layers.{index // 2}.{index % 2}.conv.{extra.group(2)}'
    if key == 'backbone.l2_norm.weight':
        return 'neck.l2_norm.weight'
    head = re.match(r'^(bbox_head\.(?:cls|reg)_convs\.\d+)\.(weight|bias)$', key)
    if head:
        return f'{head.group(1)}.0.{head.group(2)}'
    return key


def _check_is_ssd(checkpoint: dict, source: str) -> None:
    text = checkpoint.get('meta', {}).get('config')
    if isinstance(text, str):
        try:
            model = checkpoint_config(text).get('model') or {}
        except SyntaxError:
            model = {}
        head_type = model.get('bbox_head', {}).get('type') if isinstance(model.get('bbox_head'), dict) else None
        if head_type is not None and head_type != 'SSDHead':
            raise ValueError(f'{source} is not an SSD checkpoint (its bbox_head is {head_type})')
    if any(key.startswith('neck.extra_layers.') for key in checkpoint['state_dict']):
        raise ValueError(f'{source} already has the neck layout; nothing to upgrade')


def convert(in_file: str, out_file: str) -> list:
    """Write the upgraded checkpoint (other entries kept); return the renamed ``(old, new)`` keys."""
    checkpoint = _load_checkpoint(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file}: expected a checkpoint with a "state_dict"')
    _check_is_ssd(checkpoint, in_file)
    renamed = OrderedDict((new_ssd_key(key), value) for key, value in checkpoint['state_dict'].items())
    changes = [(old, new) for old, new in zip(checkpoint['state_dict'], renamed) if old != new]
    checkpoint['state_dict'] = renamed
    atomic_torch_save(checkpoint, out_file)
    return changes


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description='Move an old SSD checkpoint\'s extra layers into the neck')
    parser.add_argument('in_file', help='the old SSD checkpoint')
    parser.add_argument('out_file', help='where to write the upgraded one')
    args = parser.parse_args(argv)
    changes = convert(args.in_file, args.out_file)
    for old, new in changes:
        print(f'{old} -> {new}')
    print(f'{len(changes)} entries renamed; written to {args.out_file}')
    return changes


if __name__ == '__main__':
    main()
