"""MobileNetV2, InvertedResidual (with SELayer) and make_divisible against mmdet 2.28.2
(tests/data/mmdet2282_mobilenet_v2_golden.json)."""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_backbone
from mmlite.models.utils import InvertedResidual, make_divisible

from ._random_weights import check_backbone_case

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_mobilenet_v2_golden.json')))


def test_make_divisible_and_layouts_match_mmdet():
    cases = ((32 * 0.75, 8), (23.9, 8), (5, 8), (91, 8), (100, 16))
    assert [make_divisible(v, d) for v, d in cases] == GOLDEN['divisible']
    for widen_factor, layout in GOLDEN['layouts'].items():
        model = build_backbone(dict(type='MobileNetV2', widen_factor=float(widen_factor)))
        assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == layout


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_freezing_and_outputs_match_mmdet(name):
    expected = GOLDEN['cases'][name]
    model = check_backbone_case(expected, seed=3)
    assert sum(1 for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) and m.training) == \
        expected['bn_train']


def test_inverted_residual_with_se_matches_mmdet():
    torch.manual_seed(0)
    block = InvertedResidual(16, 16, 48, kernel_size=5, se_cfg=dict(channels=48, ratio=4))
    assert [[k, list(v.shape)] for k, v in block.state_dict().items()] == GOLDEN['se_block']['keys']
    generator = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for key, value in block.state_dict().items():
            if value.dtype.is_floating_point:
                value.copy_(torch.randn(value.shape, generator=generator) * 0.3 + (1 if 'running_var' in key else 0))
        y = block.eval()(torch.randn(1, 16, 8, 8, generator=generator))
    assert float(y.double().sum()) == pytest.approx(GOLDEN['se_block']['sum'], rel=1e-5)
    assert float(y.double().abs().sum()) == pytest.approx(GOLDEN['se_block']['abs'], rel=1e-5)
    with pytest.raises(ValueError, match='stride must in'):
        InvertedResidual(8, 8, 8, stride=3)
    with pytest.raises(ValueError, match='out_indices must be a subset'):
        build_backbone(dict(type='MobileNetV2', out_indices=(8, )))
