"""FreeAnchor RetinaNet: same configs, layout, detections and bag losses as mmdet 2.28.2.

tests/data/mmdet2282_free_anchor_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
retinanet_free_anchor_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with ``simple_test``, flip
``aug_test`` and ``forward_train`` (also with the second image's objects removed).
mmdet2282_free_anchor_layout.json holds mmdet's merged free_anchor/ configs and the R-50 layout.
"""
import json
import os.path as osp

import pytest
import torch

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FA_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_free_anchor_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_free_anchor_layout.json')))


def _model():
    return tiny_golden_model('free_anchor', FA_GOLDEN['weights']['free_anchor'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'free_anchor', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'free_anchor', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, FA_GOLDEN['models']['free_anchor']['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)
    _assert_dets_equal(flip_aug_results(_model().eval())[0], FA_GOLDEN['models']['free_anchor']['aug_test'][0])


def test_bag_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), FA_GOLDEN['models']['free_anchor']['log_vars'])


def test_bag_losses_with_an_image_without_objects_match_mmdet():
    model = _model().train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], FA_GOLDEN['models']['free_anchor']['log_vars_one_empty'])


def test_box_probability_takes_each_class_best_gt():
    """Per anchor and class: the best (IoU-mapped) match among that class's gts, 0 for other classes."""
    head = _model().bbox_head
    anchors = torch.tensor([[0., 0., 10., 10.], [20., 20., 40., 40.], [50., 50., 60., 60.]])
    gts = torch.tensor([[0., 0., 10., 10.], [20., 20., 40., 44.], [0., 0., 10., 12.]])
    prob = head._box_prob(anchors, torch.zeros(3, 4), gts, torch.tensor([2, 2, 0]))
    assert prob.shape == (3, 3)
    assert prob[0, 2] == 1 and prob[1, 2] == 1 and prob[2].sum() == 0  # each gt's best box maps to 1
    assert prob[0, 0] == 1 and prob[:, 1].sum() == 0 and prob[1, 0] == 0
