"""YOLOX: same configs, layouts, detections and losses (SimOTA targets, the L1 term, the random input size)
as mmdet 2.28.2.

tests/data/mmdet2282_yolox_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
yolox_s and yolox_nano shrunk as in ``_tiny.py`` (width x1/8), all weights random (stored in float16): with
``simple_test``, ``forward_train`` (also with the L1 loss and with the second image's objects removed) and three
iterations redrawing the input size every iteration after ``random.seed(0)``.
mmdet2282_yolox_layout.json holds mmdet's merged yolox/ configs and the full-size S and Nano layouts.
"""
import json
import os.path as osp
import random

import numpy as np
import pytest
import torch

from mmlite.core.bbox import SimOTAAssigner

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
YOLOX_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_yolox_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_yolox_layout.json')))
NAMES = ('yolox', 'yolox_nano')
CONFIG_KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'custom_hooks', 'evaluation',
               'checkpoint_config')


def _model(name):
    return tiny_golden_model(name, YOLOX_GOLDEN['weights'][name])


def _rows_sorted(result):
    """Per-class detections in a fixed row order: random weights give near-tied scores, which NMS may order
    either way."""
    return [torch.as_tensor(d)[np.lexsort(np.round(np.asarray(d), 2).T[::-1])] if len(d) else torch.as_tensor(d)
            for d in result]


def _train_log_vars(model, gt_bboxes, gt_labels, use_l1=False):
    model.bbox_head.use_l1 = use_l1
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'].clone(), _metas(), gt_bboxes=[b.clone() for b in gt_bboxes],
                                 gt_labels=gt_labels)
    return model._parse_losses(losses)[1]


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'yolox', name), keys=CONFIG_KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'yolox', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, YOLOX_GOLDEN['models'][name]['simple_test']):
        _assert_dets_equal([d.numpy() for d in _rows_sorted(mine)], _rows_sorted(theirs))
    assert sum(len(d) for d in results[0]) > 0


LOSS_CASES = [('log_vars', False, False), ('log_vars_l1', True, False), ('log_vars_one_empty', False, True)]


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('key, use_l1, empty', LOSS_CASES)
def test_losses_match_mmdet(name, key, use_l1, empty):
    gt_bboxes, gt_labels = GOLDEN['gt_bboxes'], GOLDEN['gt_labels']
    if empty:
        gt_bboxes, gt_labels = [gt_bboxes[0], torch.zeros((0, 4))], [gt_labels[0], torch.zeros((0, ), dtype=torch.long)]
    log_vars = _train_log_vars(_model(name).train(), gt_bboxes, gt_labels, use_l1)
    assert_log_vars_match(log_vars, YOLOX_GOLDEN['models'][name][key])
    assert ('loss_l1' in log_vars) == use_l1


def test_random_input_size_matches_mmdet():
    model = _model('yolox').train()
    model._random_size_interval, model._random_size_range = 1, (2, 5)
    model._input_size = model._default_input_size = (96, 128)
    expected = YOLOX_GOLDEN['models']['yolox']
    random.seed(0)
    for size, log_vars in zip(expected['resize_sizes'], expected['resize_log_vars']):
        assert_log_vars_match(_train_log_vars(model, GOLDEN['gt_bboxes'], GOLDEN['gt_labels']), log_vars)
        assert list(model._input_size) == size


def test_simota_gives_each_prior_at_most_one_gt_and_ignores_far_priors():
    # priors on a 4x4 grid of stride 8 (centres), two overlapping gts and one far prior region
    ys, xs = torch.meshgrid(torch.arange(4.) * 8 + 4, torch.arange(4.) * 8 + 4, indexing='ij')
    priors = torch.stack([xs.flatten(), ys.flatten(), torch.full((16, ), 8.), torch.full((16, ), 8.)], 1)
    gts = torch.tensor([[0., 0., 16., 16.], [4., 4., 20., 20.]])
    boxes = torch.cat([priors[:, :2] - 6, priors[:, :2] + 6], 1)
    scores = torch.full((16, 2), 0.5)
    result = SimOTAAssigner(center_radius=1.0).assign(scores, priors, boxes, gts, torch.tensor([0, 1]))
    assigned = result.gt_inds > 0
    assert assigned.any() and set(result.gt_inds[assigned].tolist()) <= {1, 2}
    assert not assigned[-1]  # (28, 28): outside both gts and their centre regions
    assert torch.equal(result.labels[assigned], result.gt_inds[assigned] - 1)
    assert (result.max_overlaps[assigned] > 0).all() and (result.max_overlaps[~assigned] < 0).all()
    empty = SimOTAAssigner().assign(scores, priors, boxes, gts[:0], torch.tensor([], dtype=torch.long))
    assert (empty.gt_inds == 0).all() and (empty.labels == -1).all()


def test_flip_test_merges_both_views():
    model = _model('yolox').eval()
    img, meta = GOLDEN['img'][:1], _metas()[0]
    with torch.no_grad():
        merged = model.aug_test([img, img.flip(-1)], [[dict(meta)], [dict(meta, flip=True,
                                                                          flip_direction='horizontal')]])
        plain = model.simple_test(img, [meta], rescale=True)
    assert len(merged[0]) == 3 and sum(len(d) for d in merged[0]) > 0
    merged_boxes = np.concatenate(merged[0])
    assert merged_boxes[:, [0, 2]].max() <= meta['ori_shape'][1] * 1.5  # mapped back to the original frame
    assert not all(np.array_equal(a, b) for a, b in zip(merged[0], plain[0]))
