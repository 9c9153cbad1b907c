"""Prepare a trained checkpoint for release: drop the optimizer and resume-only state, save it and put
the first 8 hex digits of its SHA-256 in the name (mmdet's ``xxx-<sha>.pth`` convention).

    python tools/model_converters/publish_model.py work_dirs/faster_rcnn/latest.pth faster_rcnn_r50_fpn_1x.pth
    # -> faster_rcnn_r50_fpn_1x-1a2b3c4d.pth
"""
from __future__ import annotations

import argparse
import hashlib
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.runner import _load_checkpoint  # noqa: E402
from mmlite.runner._checkpoint_io import atomic_torch_save  # noqa: E402

# what only resuming a run needs: optimizer state and mmlite's exact-resume state (RNG streams, sampler)
TRAINING_ONLY_KEYS = ('optimizer', 'mmlite_state')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Strip a checkpoint for release and add its hash to the name')
    parser.add_argument('in_file', help='the checkpoint to publish')
    parser.add_argument('out_file', help='where to write it (the hash is added before .pth)')
    return parser.parse_args(argv)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def process_checkpoint(in_file: str, out_file: str) -> str:
    """Write the published checkpoint and return its final name (``<out_file stem>-<sha256[:8]>.pth``)."""
    checkpoint = _load_checkpoint(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file} is not a training checkpoint (no "state_dict"); nothing to publish')
    for key in TRAINING_ONLY_KEYS:
        checkpoint.pop(key, None)
    stem = out_file[:-len('.pth')] if out_file.endswith('.pth') else out_file
    tmp_file = f'{stem}.publishing.pth'
    os.makedirs(osp.dirname(osp.abspath(tmp_file)), exist_ok=True)
    atomic_torch_save(checkpoint, tmp_file)
    final_file = f'{stem}-{sha256_of(tmp_file)[:8]}.pth'
    os.replace(tmp_file, final_file)
    return final_file


def main(argv=None) -> str:
    args = parse_args(argv)
    final_file = process_checkpoint(args.in_file, args.out_file)
    print(final_file)
    return final_file


if __name__ == '__main__':
    main()
