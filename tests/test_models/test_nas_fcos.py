"""NAS-FCOS (NASFCOS_FPN, NASFCOSHead) and its FCOS-head variant: same configs, layouts, detections and losses as
mmdet 2.28.2.

tests/data/mmdet2282_nasfcos_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the two
shipped nas_fcos/ configs shrunk as in ``_tiny.py``: backbone weights are those of mmdet2282_tiny_golden.pth, the
rest random (stored in float16, BN variances positive, DCNv2 offset convs scaled by 0.05); with ``simple_test``,
flip ``aug_test`` and ``forward_train`` (also with an image without objects).
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
NAS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_nasfcos_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_nasfcos_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'evaluation', 'checkpoint_config')
NAMES = ['nasfcos', 'nasfcos_fcoshead']


def _model(name):
    return tiny_golden_model(name, NAS_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'nas_fcos', name), KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'nas_fcos', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, NAS_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], NAS_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    expected = NAS_GOLDEN['models'][name]
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), expected['log_vars'])
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], expected['log_vars_one_empty'])


def test_neck_checks_its_inputs():
    cfg = tiny_model_cfg('nasfcos')
    cfg['neck']['start_level'] = 0
    with pytest.raises(ValueError, match='three input levels'):
        build_detector(cfg)
    cfg['neck'].update(start_level=1, init_cfg=dict(type='Normal'))
    with pytest.raises(ValueError, match='init_cfg'):
        build_detector(cfg)
