"""FPG (Feature Pyramid Grids): same configs, layouts and neck outputs (eval and train mode) as mmdet 2.28.2.

tests/data/mmdet2282_fpg_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU): the FPG necks of
faster_rcnn_r50_fpg_crop640_50e_coco.py and retinanet_r50_fpg_crop640_50e_coco.py at 16 channels on 8-64 input
channels, random weights (float16) and inputs, and their outputs. mmdet2282_fpg_layout.json holds mmdet's merged
fpg/ configs and the full-size layouts of the FPG models.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_neck

from ._tiny import CONFIGS, full_size_layout, merged_config

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FPG_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_fpg_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_fpg_layout.json')))


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'fpg', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'fpg', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', sorted(FPG_GOLDEN['cases']))
@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_neck_outputs_match_mmdet(name, mode):
    case = FPG_GOLDEN['cases'][name]
    neck = build_neck(case['cfg'])
    own = neck.state_dict()
    neck.load_state_dict({k: case['weights'][k].float() if k in case['weights'] else own[k] for k in own})
    neck.train(mode == 'train')
    with torch.no_grad():
        outs = neck(FPG_GOLDEN['inputs'])
    assert len(outs) == len(case[mode])
    for out, expected in zip(outs, case[mode]):
        torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-4)


def test_gradients_reach_every_transition_and_bad_arguments_are_clear():
    cfg = dict(FPG_GOLDEN['cases']['faster_rcnn_r50_fpg_crop640_50e_coco.py']['cfg'])
    neck = build_neck(cfg)
    sum(o.sum() for o in neck(FPG_GOLDEN['inputs'])).backward()
    assert all(p.grad is not None for p in neck.parameters())
    with pytest.raises(ValueError, match="'bu' or 'td'"):
        build_neck(dict(cfg, paths=['up'] * cfg['stack_times']))
    with pytest.raises(ValueError, match='skip_inds'):
        build_neck(dict(cfg, skip_inds=None))
    with pytest.raises(KeyError, match="'deform'"):
        build_neck(dict(cfg, across_lateral_trans=dict(type='deform')))


def test_identity_skip_transition_and_top_down_paths():
    # mmdet's default across_skip_trans=dict(type='identity') raised a KeyError; here it adds the first pyramid
    cfg = dict(FPG_GOLDEN['cases']['faster_rcnn_r50_fpg_crop640_50e_coco.py']['cfg'])
    neck = build_neck(dict(cfg, stack_times=2, paths=['td', 'bu'], skip_inds=[(), (), (), (), ()],
                           across_skip_trans=dict(type='identity')))
    assert not any('across_skip' in name for name, _ in neck.named_parameters())
    outs = neck(FPG_GOLDEN['inputs'])
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32 // 2 ** i, 64 // 2 ** i) for i in range(5)]
    assert all(torch.isfinite(o).all() for o in outs)
