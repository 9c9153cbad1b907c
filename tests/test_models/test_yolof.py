"""YOLOF: same configs, layout, assignments, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_yolof_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
yolof_r50_c5_8x8_1x_coco.py shrunk as in ``_tiny.py`` (a 16-channel dilated encoder on the last level):
backbone weights are those of mmdet2282_tiny_golden.pth, the rest random (stored in float16, BN variances
positive); with ``simple_test``, flip ``aug_test``, ``forward_train`` (also with an image without objects) and
``UniformAssigner`` on random boxes. mmdet2282_yolof_layout.json holds mmdet's merged yolof/ configs and the
R-50 layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import UniformAssigner
from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
YOLOF_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_yolof_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_yolof_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'evaluation', 'checkpoint_config')


def _model():
    return tiny_golden_model('yolof', YOLOF_GOLDEN['weights']['yolof'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'yolof', name), KEYS) == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    name = 'yolof_r50_c5_8x8_1x_coco.py'
    assert full_size_layout(osp.join(CONFIGS, 'yolof', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, YOLOF_GOLDEN['models']['yolof']['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)
    _assert_dets_equal(flip_aug_results(_model().eval())[0], YOLOF_GOLDEN['models']['yolof']['aug_test'][0])


def test_training_losses_match_mmdet():
    expected = YOLOF_GOLDEN['models']['yolof']
    assert_log_vars_match(golden_training_log_vars(_model().train()), expected['log_vars'])
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], expected['log_vars_one_empty'])


def test_uniform_assigner_matches_mmdet():
    golden = YOLOF_GOLDEN['models']['yolof']['assigner']
    assigner = UniformAssigner(0.15, 0.7, match_times=3)
    result = assigner.assign(golden['preds'], golden['anchors'], golden['gts'], None, torch.tensor([0, 2, 1]))
    assert torch.equal(result.gt_inds, golden['gt_inds']) and (result.gt_inds > 0).any()
    assert torch.equal(result.labels, golden['labels'])
    torch.testing.assert_close(result.max_overlaps, golden['max_overlaps'])
    for key in ('pos_idx', 'pos_predicted_boxes', 'target_boxes'):
        assert torch.equal(result.get_extra_property(key), golden[key]), key


def test_head_and_neck_check_their_arguments():
    cfg = tiny_model_cfg('yolof')
    cfg['neck']['block_dilations'] = [2, 4]
    with pytest.raises(ValueError, match='block_dilations'):
        build_detector(cfg)
    cfg = tiny_model_cfg('yolof')
    cfg['bbox_head']['anchor_generator']['strides'] = [16, 32]
    with pytest.raises(ValueError, match='one level'):
        build_detector(cfg)
