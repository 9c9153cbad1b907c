"""Make a self-supervised ResNet checkpoint loadable as a detector backbone.

    python tools/model_converters/selfsup2mmdet.py moco_v2_800ep.pth.tar moco_r50.pth --selfsup moco

MoCo: the query encoder's entries (``module.encoder_q.*``) without that prefix. SwAV: its names already
fit (``load_checkpoint`` strips ``module.``); the file is written with that prefix removed.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.runner import _load_checkpoint  # noqa: E402
from mmlite.runner._checkpoint_io import atomic_torch_save  # noqa: E402

PREFIXES = {'moco': 'module.encoder_q.', 'swav': 'module.'}


def convert(src: str, dst: str, selfsup: str) -> list:
    """Write ``{'state_dict': ...}`` for the backbone; return its keys."""
    if selfsup not in PREFIXES:
        raise ValueError(f'selfsup must be one of {sorted(PREFIXES)}, got {selfsup!r}')
    checkpoint = _load_checkpoint(src, map_location='cpu')
    weights = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(weights, dict):
        raise ValueError(f'{src} holds no state dict')
    prefix = PREFIXES[selfsup]
    state_dict = OrderedDict((k[len(prefix):], v) for k, v in weights.items() if k.startswith(prefix))
    if not state_dict:
        raise ValueError(f'{src} has no entries starting with {prefix!r}; is it a {selfsup} checkpoint?')
    atomic_torch_save(dict(state_dict=state_dict), dst)
    return list(state_dict)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description='Extract the ResNet of a MoCo or SwAV checkpoint for mmdet')
    parser.add_argument('src', help='the self-supervised checkpoint')
    parser.add_argument('dst', help='where to write the backbone weights')
    parser.add_argument('--selfsup', type=str, choices=sorted(PREFIXES), required=True,
                        help='which method trained it')
    args = parser.parse_args(argv)
    keys = convert(args.src, args.dst, args.selfsup)
    print(f'{len(keys)} entries written to {args.dst}')
    return keys


if __name__ == '__main__':
    main()
