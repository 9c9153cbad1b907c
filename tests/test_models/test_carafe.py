"""CARAFE (the op, CARAFEPack, FPN_CARAFE, the CARAFE mask head) against mmdet 2.28.2.

tests/data/mmdet2282_carafe_golden.pth was written by mmdet 2.28.2 / mmcv-full 1.7.2 on CPU: mmcv's carafe kernels
are CUDA-only, so its CARAFEPack ran with the op replaced by a per-output-pixel transcription of the CUDA kernel's
definition (whose outputs are recorded as the op cases). Recorded: FPN_CARAFE outputs (eval mode, random float16
weights) for CARAFE, grouped and dilated CARAFE with BN/ReLU from level 1, nearest with end_level and act-first
order, deconv and pixel-shuffle upsampling; FCNMaskHead with CARAFE upsampling; mmdet2282_carafe_layout.json: the
carafe/ configs merged and their full-size layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_head, build_neck
from mmlite.ops import CARAFEPack, carafe

from ._tiny import CONFIGS, full_size_layout, merged_config

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_carafe_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_carafe_layout.json')))


def _loaded(module, weights):
    own = module.state_dict()
    module.load_state_dict({k: weights[k].to(v.dtype) if k in weights else v for k, v in own.items()}, strict=True)
    return module.eval()


@pytest.mark.parametrize('case', RECORDED['ops'], ids=lambda c: f'k{c["k"]}_g{c["group"]}_s{c["scale"]}')
def test_carafe_op_matches_the_kernels_definition(case):
    out = carafe(case['features'], case['masks'], case['k'], case['group'], case['scale'])
    torch.testing.assert_close(out, case['out'], rtol=1e-5, atol=1e-5)


def test_carafe_gradients():
    gen = torch.Generator().manual_seed(1)
    feats = torch.randn(1, 4, 3, 4, dtype=torch.double, generator=gen, requires_grad=True)
    masks = torch.rand(1, 2 * 9, 6, 8, dtype=torch.double, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(lambda f, m: carafe(f, m, 3, 2, 2), (feats, masks))


@pytest.mark.parametrize('name', sorted(RECORDED['necks']))
def test_fpn_carafe_outputs_match_mmdet(name):
    case = RECORDED['necks'][name]
    neck = build_neck(case['cfg'])
    assert [[k, list(v.shape)] for k, v in neck.state_dict().items()] == case['layout']
    with torch.no_grad():
        outs = _loaded(neck, case['weights'])(RECORDED['inputs'])
    assert len(outs) == len(case['outs'])
    for mine, theirs in zip(outs, case['outs']):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-4)


def test_carafe_mask_head_matches_mmdet():
    case = RECORDED['mask_head']
    head = build_head(case['cfg'])
    assert isinstance(head.upsample, CARAFEPack)
    assert [[k, list(v.shape)] for k, v in head.state_dict().items()] == case['layout']
    with torch.no_grad():
        torch.testing.assert_close(_loaded(head, case['weights'])(case['x']), case['out'], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_and_layouts_match_mmdet(name):
    path = osp.join(CONFIGS, 'carafe', name)
    assert merged_config(path) == LAYOUT['configs'][name]
    assert full_size_layout(path) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('cfg, match', [
    (dict(upsample_cfg=dict(type='bicubic')), 'upsample_cfg.type must be one of'),
    (dict(upsample_cfg=dict(type='deconv')), 'needs upsample_kernel > 0'),
    (dict(num_outs=2), 'num_outs=2 does not fit 4 inputs'),
    (dict(init_cfg=dict(type='Xavier')), 'init_cfg is not allowed'),
])
def test_fpn_carafe_config_errors(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_neck(dict(dict(type='FPN_CARAFE', in_channels=[8, 16, 32, 64], out_channels=16, num_outs=5), **cfg))


def test_carafe_input_errors():
    with pytest.raises(ValueError, match='odd kernel_size'):
        carafe(torch.zeros(1, 4, 2, 2), torch.zeros(1, 16, 4, 4), 4, 1, 2)
    with pytest.raises(ValueError, match=r'masks must be \(1, 9, 4, 4\)'):
        carafe(torch.zeros(1, 4, 2, 2), torch.zeros(1, 9, 3, 4), 3, 1, 2)
