"""Convert a Detectron (Caffe2) ImageNet ResNet-50/101 pickle to PyTorch ResNet names (caffe style).

    python tools/model_converters/detectron2pytorch.py R-50.pkl resnet50_caffe.pth 50

Convolutions ``resS_B_branch2{a,b,c}_w`` -> ``layer{S-1}.B.conv{1,2,3}.weight``, shortcuts ``branch1`` ->
``downsample.0``; Detectron's affine channels (``*_bn_s``, ``*_bn_b``) become BatchNorm weight and bias
with running mean 0 and variance 1. The pickle is read without running code from it.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

from mmlite.runner._checkpoint_io import atomic_torch_save  # noqa: E402
from mmlite.utils import load_data_pickle  # noqa: E402

STAGE_BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}


class _Blobs:
    """The pickle's arrays, read once each; a missing one is an error naming it."""

    def __init__(self, blobs: dict, source: str):
        self.blobs, self.source, self.used = blobs, source, set()

    def take(self, name: str) -> torch.Tensor:
        if name not in self.blobs:
            raise KeyError(f'{self.source} has no blob {name}; is it a Detectron ResNet of this depth?')
        self.used.add(name)
        return torch.from_numpy(self.blobs[name])


def _conv(blobs: _Blobs, state_dict: dict, caffe: str, torch_name: str) -> None:
    state_dict[f'{torch_name}.weight'] = blobs.take(f'{caffe}_w')
    if f'{caffe}_b' in blobs.blobs:
        state_dict[f'{torch_name}.bias'] = blobs.take(f'{caffe}_b')


def _affine(blobs: _Blobs, state_dict: dict, caffe: str, torch_name: str) -> None:
    state_dict[f'{torch_name}.bias'] = blobs.take(f'{caffe}_b')
    weight = state_dict[f'{torch_name}.weight'] = blobs.take(f'{caffe}_s')
    state_dict[f'{torch_name}.running_mean'] = torch.zeros(weight.shape)
    state_dict[f'{torch_name}.running_var'] = torch.ones(weight.shape)


def convert(src: str, dst: str, depth: int) -> list:
    """Write ``{'state_dict': ...}``; return the blobs left out (e.g. the classifier, momenta)."""
    if depth not in STAGE_BLOCKS:
        raise ValueError(f'depth must be one of {sorted(STAGE_BLOCKS)}, got {depth}')
    loaded = load_data_pickle(src, encoding='latin1')
    blobs = _Blobs(loaded.get('blobs', loaded) if isinstance(loaded, dict) else {}, src)
    state_dict = OrderedDict()
    _conv(blobs, state_dict, 'conv1', 'conv1')
    _affine(blobs, state_dict, 'res_conv1_bn', 'bn1')
    for stage, num_blocks in enumerate(STAGE_BLOCKS[depth], start=1):
        for block in range(num_blocks):
            caffe, name = f'res{stage + 1}_{block}', f'layer{stage}.{block}'
            if block == 0:
                _conv(blobs, state_dict, f'{caffe}_branch1', f'{name}.downsample.0')
                _affine(blobs, state_dict, f'{caffe}_branch1_bn', f'{name}.downsample.1')
            for index, letter in enumerate('abc', start=1):
                _conv(blobs, state_dict, f'{caffe}_branch2{letter}', f'{name}.conv{index}')
                _affine(blobs, state_dict, f'{caffe}_branch2{letter}_bn', f'{name}.bn{index}')
    atomic_torch_save(dict(state_dict=state_dict), dst)
    return sorted(set(blobs.blobs) - blobs.used)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description='Convert a Detectron ResNet pickle to a PyTorch checkpoint')
    parser.add_argument('src', help='the Detectron .pkl')
    parser.add_argument('dst', help='where to write the .pth')
    parser.add_argument('depth', type=int, help='ResNet depth: 50 or 101')
    args = parser.parse_args(argv)
    skipped = convert(args.src, args.dst, args.depth)
    for name in skipped:
        print(f'not converted: {name}')
    print(f'written to {args.dst}')
    return skipped


if __name__ == '__main__':
    main()
