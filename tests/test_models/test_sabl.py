"""SABL RetinaNet: same configs, layouts, bucketing targets and decoding, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_sabl_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
sabl_retinanet_r50_fpn_1x_coco.py and its GN variant shrunk as in ``_tiny.py``: backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with ``simple_test``,
``forward_train`` (also with an image without objects), and ``bbox2bucket``/``bucket2bbox`` on crafted boxes.
mmdet's head has no test-time augmentation (its ``aug_test`` asserts); mmlite's is checked for consistency.
mmdet2282_sabl_layout.json holds mmdet's merged sabl_retinanet configs and the two R-50 layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import bbox2bucket, bucket2bbox

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars,
                                tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
SABL_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_sabl_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_sabl_layout.json')))
NAMES = ['sabl_retinanet', 'sabl_retinanet_gn']


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
def test_training_losses_match_mmdet(name):
    expected = SABL_GOLDEN['models'][name]
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), expected['log_vars'])
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], expected['log_vars_one_empty'])


def test_test_time_augmentation():
    """mmdet's SABL RetinaNet had none; two unflipped copies merge to the single-image result."""
    model = _model('sabl_retinanet_gn').eval()
    img, meta = GOLDEN['img'][:1], _metas()[0]
    with torch.no_grad():
        merged = model.aug_test([img, img], [[dict(meta)], [dict(meta)]], rescale=True)[0]
        single = model.simple_test(img, [meta], rescale=True)[0]
    assert sum(len(d) for d in single) > 0
    _assert_dets_equal(merged, [torch.from_numpy(d) for d in single])


def test_bucket_targets_and_decoding_match_mmdet():
    golden = SABL_GOLDEN['models']['sabl_retinanet']
    crafted = golden['bucket_targets']
    for mine, theirs in zip(bbox2bucket(crafted['props'], crafted['gts'], 14, 3.0, 2, 1.0, True), crafted['targets']):
        torch.testing.assert_close(mine, theirs)
    for mine, theirs in zip(bbox2bucket(crafted['props'], crafted['gts'], 8, 2.0, 3, 0.5, False),
                            crafted['targets_no_neighbour']):
        torch.testing.assert_close(mine, theirs)
    decode = golden['bucket_decode']
    for mine, theirs in zip(bucket2bbox(crafted['props'], decode['cls'], decode['offsets'], 14, 3.0, (50, 60, 3)),
                            decode['boxes']):
        torch.testing.assert_close(mine, theirs)
