"""SABL Faster / Cascade R-CNN (SABLHead): same configs, layouts, detections, TTA and losses as mmdet 2.28.2.

tests/data/mmdet2282_sabl_rcnn_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
shipped sabl_faster_rcnn_r50_fpn_1x_coco.py and sabl_cascade_rcnn_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``:
backbone weights are those of mmdet2282_tiny_golden.pth, the rest random (stored in float16); with
``simple_test``, flip ``aug_test`` and ``forward_train`` after ``torch.manual_seed(0)``.
mmdet2282_sabl_rcnn_layout.json holds mmdet's merged SABL R-CNN configs and the two R-50 layouts.
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
SABL_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_sabl_rcnn_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_sabl_rcnn_layout.json')))
NAMES = ['sabl_faster', 'sabl_cascade']


def _model(name):
    return tiny_golden_model(name, SABL_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'sabl', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'sabl', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, SABL_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_detections_match_mmdet(name):
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], SABL_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), SABL_GOLDEN['models'][name]['log_vars'])


def test_head_checks_its_geometry():
    cfg = tiny_model_cfg('sabl_faster')
    cfg['roi_head']['bbox_head']['reg_feat_up_ratio'] = 3
    with pytest.raises(ValueError, match='num_buckets'):
        build_detector(cfg)
    cfg['roi_head']['bbox_head'].update(reg_feat_up_ratio=2, reg_cls_out_channels=32)
    with pytest.raises(ValueError, match='num_reg_fcs=0'):
        build_detector(cfg)
