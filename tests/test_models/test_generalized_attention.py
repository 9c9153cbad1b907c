"""GeneralizedAttention (mmcv.cnn) and the empirical_attention configs: same layout, init, outputs as mmcv 1.7.2.

tests/data/mmcv172_generalized_attention_golden.json was written with mmcv-full 1.7.2 (torch 2.0.1, CPU): for twelve
module configurations (every attention type alone and in combinations, query stride, a spatial range, a
position-embedding width and magnitude), the state-dict layout, the sums of the parameters mmcv initialises
after ``torch.manual_seed(i)``, and every 35th output value on random weights and a random input (seeded as
below); plus mmdet 2.28.2's merged empirical_attention/ model configs and two full-size state-dict layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.cnn import GeneralizedAttention

from ._tiny import CONFIGS, full_size_layout, merged_config

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmcv172_generalized_attention_golden.json')))


@pytest.mark.parametrize('index', sorted(GOLDEN['modules'], key=int))
def test_layout_init_and_outputs_match_mmcv(index):
    case = GOLDEN['modules'][index]
    torch.manual_seed(int(index))
    module = GeneralizedAttention(**case['case'])
    state = module.state_dict()
    assert [[k, list(v.shape), str(v.dtype)] for k, v in state.items()] == case['layout']
    init = [float(v.double().sum()) for v in state.values() if v.dtype == torch.float32]
    assert init == pytest.approx(case['init'], rel=1e-5, abs=1e-5)
    gen = torch.Generator().manual_seed(100 + int(index))
    module.load_state_dict({k: torch.randn(v.shape, generator=gen) * 0.3 if v.dtype == torch.float32 else v
                            for k, v in state.items()})
    attention = case['case']['attention_type']
    square = attention[1] == '1' and attention[3] == '0'  # mmcv's 'x1x0' types work on square maps only
    x = torch.randn(2, case['case']['in_channels'], 9, 9 if square else 11, generator=gen)
    with torch.no_grad():
        y = module(x)
    torch.testing.assert_close(y.flatten()[::7][::5], torch.tensor(case['y']), rtol=1e-4, atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='attention_type must be 4 binary flags'):
        GeneralizedAttention(16, num_heads=4, attention_type='0000')
    with pytest.raises(ValueError, match='in_channels=4 gives no channel to each of the num_heads=9 heads'):
        GeneralizedAttention(4)
    with pytest.raises(ValueError, match='spatial_range >= 0 needs in_channels 256 or 512'):
        GeneralizedAttention(16, num_heads=4, spatial_range=2)
    with pytest.raises(ValueError, match='square feature maps only'):
        GeneralizedAttention(16, num_heads=4, attention_type='0100')(torch.randn(1, 16, 4, 6))


def test_spatial_range_keeps_mmcvs_window():
    """mmcv's window of query row y (key stride s, range r) is rows (y - r) // s to (y + r + 1) // s inclusive:
    with r = 0 and s = 1, the query's own row and the next."""
    module = GeneralizedAttention(256, num_heads=8, spatial_range=0, kv_stride=1, attention_type='1000')
    allowed = module.local_constraint_map[2, 3] == 0
    expected = torch.zeros_like(allowed)
    expected[2:4, 3:5] = True
    assert module.local_constraint_map.shape == (84, 84, 84, 84) and torch.equal(allowed, expected)


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_configs_match_mmdet(name):
    merged = merged_config(osp.join(CONFIGS, 'empirical_attention', name), ('model', ))
    assert merged['model'] == GOLDEN['configs'][name]


@pytest.mark.parametrize('name', sorted(GOLDEN['state_dicts']))
def test_backbone_plugin_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'empirical_attention', name)) == GOLDEN['state_dicts'][name]
