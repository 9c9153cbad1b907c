"""Double-Head R-CNN (DoubleHeadRoIHead, DoubleConvFCBBoxHead): same config, layout, detections, TTA and losses as
mmdet 2.28.2.

tests/data/mmdet2282_double_head_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
dh_faster_rcnn_r50_fpn_1x_coco.py shrunk as in ``_tiny.py`` (one bottleneck, 32-channel branches): backbone weights
are those of mmdet2282_tiny_golden.pth, the rest random (stored in float16, BN variances positive); with
``simple_test``, flip ``aug_test`` and ``forward_train`` after ``torch.manual_seed(0)``.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _metas, assert_log_vars_match, flip_aug_results, golden_training_log_vars,
                                tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
DH_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_double_head_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_double_head_layout.json')))
CONFIG = 'dh_faster_rcnn_r50_fpn_1x_coco.py'


def _model():
    return tiny_golden_model('double_head', DH_GOLDEN['weights']['double_head'])


def test_config_and_layout_match_mmdet():
    assert merged_config(osp.join(CONFIGS, 'double_heads', CONFIG)) == LAYOUT['configs'][CONFIG]
    assert full_size_layout(osp.join(CONFIGS, 'double_heads', CONFIG)) == LAYOUT['state_dicts'][CONFIG]


def test_detections_match_mmdet():
    expected = DH_GOLDEN['models']['double_head']
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, expected['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal_up_to_ties(mine, theirs)
    _assert_dets_equal_up_to_ties(flip_aug_results(_model().eval())[0], expected['aug_test'][0])


def _assert_dets_equal_up_to_ties(mine, theirs):
    """Equal detections, except that among boxes of one score (duplicate border RoIs, clipped) NMS may keep
    different members (torch's sort order of equal keys differs between versions): there only the count and
    score must agree."""
    for cls, (a, b) in enumerate(zip(mine, theirs)):
        b = b.numpy()
        assert a.shape == b.shape, f'class {cls}'
        scores, counts = np.unique(b[:, 4], return_counts=True)
        unique = np.isin(b[:, 4], scores[counts == 1])
        np.testing.assert_allclose(np.sort(a[:, 4]), np.sort(b[:, 4]), rtol=1e-4, atol=2e-3)
        mine_unique = np.isin(np.round(a[:, 4], 5), np.round(b[unique, 4], 5))
        np.testing.assert_allclose(a[mine_unique], b[unique], rtol=1e-4, atol=2e-3, err_msg=f'class {cls}')


def test_training_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), DH_GOLDEN['models']['double_head']['log_vars'])


def test_head_needs_both_branches():
    cfg = tiny_model_cfg('double_head')
    cfg['roi_head']['bbox_head']['num_convs'] = 0
    with pytest.raises(ValueError, match='num_convs'):
        build_detector(cfg)
