"""Guided anchoring (GA-RPN, GA-Faster R-CNN, GA-RetinaNet): same configs, layouts, targets, proposals,
detections and losses as mmdet 2.28.2, and the opt-in paper semantics of the location loss.

tests/data/mmdet2282_guided_anchoring_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU)
on ga_rpn_r50_fpn_1x_coco.py, ga_faster_r50_fpn_1x_coco.py and ga_retinanet_r50_fpn_1x_coco.py shrunk as in
``_tiny.py``: backbone weights are those of mmdet2282_tiny_golden.pth, neck and head weights random (stored in
float16); with ``simple_test``, flip ``aug_test`` (not GA-RetinaNet's: mmdet's fails), ``forward_train``,
``ApproxMaxIoUAssigner`` and ``ga_loc_targets`` on crafted boxes. Two patches made the recording possible and
match mmlite: mmcv's ``MaskedConv2d`` (no CPU kernel) as the conv where the mask is set, and the location loss
with positive locations as the foreground class (mmlite's ``centre_as_foreground=True``; mmdet passes the target
map as labels, which makes them background: ``log_vars_mmdet_loc`` holds mmdet's unpatched values, mmlite's
default). mmdet2282_guided_anchoring_layout.json holds
mmdet's merged guided_anchoring/ configs (and the three caffe-style bases) and three full-size layouts.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.bbox import ApproxMaxIoUAssigner
from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
GA_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_guided_anchoring_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_guided_anchoring_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'train_cfg', 'test_cfg')


def _model(name, centre_as_foreground=True):
    """The golden model; the recorded training values were taken with the paper's location labels."""
    cfg = tiny_model_cfg(name)
    head = cfg['rpn_head'] if 'rpn_head' in cfg else cfg['bbox_head']
    head['centre_as_foreground'] = centre_as_foreground
    if 'rcnn' in cfg['test_cfg']:
        cfg['test_cfg']['rcnn']['max_per_img'] = 20
    elif 'rpn' not in cfg['test_cfg']:
        cfg['test_cfg']['max_per_img'] = 20
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, GA_GOLDEN['weights'][name])


def _assert_proposals_equal(mine, theirs):
    assert mine.shape == tuple(theirs.shape) and len(mine) > 0
    np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'guided_anchoring', name), KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'guided_anchoring', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', ['ga_rpn', 'ga_faster', 'ga_retinanet'])
def test_results_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, GA_GOLDEN['models'][name]['simple_test']):
        if name == 'ga_rpn':
            _assert_proposals_equal(mine, theirs)
        else:
            assert sum(len(d) for d in mine) > 0
            _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', ['ga_rpn', 'ga_faster'])
def test_flip_augmented_results_match_mmdet(name):
    results, expected = flip_aug_results(_model(name).eval()), GA_GOLDEN['models'][name]['aug_test']
    if name == 'ga_rpn':
        _assert_proposals_equal(results[0], expected[0])
    else:
        _assert_dets_equal(results[0], expected[0])


def test_ga_retinanet_test_time_augmentation():
    """mmdet's GA-RetinaNet could not run TTA; here two unflipped copies merge to the single-image result."""
    model = _model('ga_retinanet').eval()
    img, meta = GOLDEN['img'][:1], _metas()[0]
    with torch.no_grad():
        merged = model.aug_test([img, img], [[dict(meta)], [dict(meta)]], rescale=True)[0]
        single = model.simple_test(img, [meta], rescale=True)[0]
    assert sum(len(d) for d in single) > 0
    _assert_dets_equal(merged, [torch.from_numpy(d) for d in single])


@pytest.mark.parametrize('name', ['ga_rpn', 'ga_faster', 'ga_retinanet'])
def test_training_losses_match_mmdet(name):
    log_vars = golden_training_log_vars(_model(name).train(), with_labels=name != 'ga_rpn')
    assert_log_vars_match(log_vars, GA_GOLDEN['models'][name]['log_vars'])


def test_location_loss_default_is_mmdets_and_the_paper_semantics_opt_in():
    """By default the target map is the label, as mmdet 2.x (a centre region is the one-class loss's background:
    a confident centre prediction is expensive); ``centre_as_foreground`` trains centres as the foreground."""
    target, weight = torch.tensor([[[[1., 0.]]]]), torch.ones(1, 1, 1, 2)
    confident, inverted = torch.tensor([[[[6., -6.]]]]), torch.tensor([[[[-6., 6.]]]])
    paper = _model('ga_retinanet').bbox_head
    assert paper.loss_loc_single(confident, target, weight, 1.0) < 1e-4 < 0.1 < paper.loss_loc_single(
        inverted, target, weight, 1.0)
    legacy = _model('ga_retinanet', centre_as_foreground=False).bbox_head
    assert legacy.loss_loc_single(inverted, target, weight, 1.0) < 1e-4 < 0.1 < legacy.loss_loc_single(
        confident, target, weight, 1.0)
    log_vars = golden_training_log_vars(_model('ga_retinanet', centre_as_foreground=False).train())
    assert_log_vars_match(log_vars, GA_GOLDEN['models']['ga_retinanet']['log_vars_mmdet_loc'])
    assert log_vars['loss_loc'] != pytest.approx(GA_GOLDEN['models']['ga_retinanet']['log_vars']['loss_loc'])


def test_location_targets_match_mmdet():
    """Centre regions, ignore regions (own and neighbouring levels), overlapping gts in mmdet's order."""
    head = _model('ga_retinanet').bbox_head
    expected = GA_GOLDEN['models']['ga_retinanet']['loc_targets']
    targets, weights, avg = head.ga_loc_targets(expected['gts'], [torch.Size(s) for s in expected['sizes']])
    assert avg == pytest.approx(expected['avg_factor'])
    for mine, theirs in zip(targets + weights, expected['targets'] + expected['weights']):
        assert torch.equal(mine, theirs)
    assert sum(t.sum() for t in targets) > 0 and any((w == 0).any() for w in weights)


@pytest.mark.parametrize('case', range(2))
def test_approx_max_iou_assigner_matches_mmdet(case):
    golden = GA_GOLDEN['assigner']
    expected = golden['cases'][case]
    result = ApproxMaxIoUAssigner(**expected['kwargs']).assign(golden['approxs'], golden['squares'], 9, golden['gts'],
                                                               golden['ignore'], torch.tensor([0, 1, 2, 1]))
    assert torch.equal(result.gt_inds, expected['gt_inds']) and (result.gt_inds > 0).any()
    torch.testing.assert_close(result.max_overlaps, expected['max_overlaps'])
    assert torch.equal(result.labels, expected['labels'])


def test_batched_inference_masks_each_image():
    """mmdet's masked convs took image 0's location mask for the batch (and refused batches); here each image
    keeps its own locations, so a batch gives each image's single-image result."""
    model = _model('ga_retinanet').eval()
    with torch.no_grad():
        batched = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
        singles = [model.simple_test(GOLDEN['img'][i:i + 1], _metas()[i:i + 1], rescale=True)[0] for i in range(2)]
    for mine, single in zip(batched, singles):
        _assert_dets_equal(mine, [torch.from_numpy(d) for d in single])


def test_ga_rpn_keeps_its_per_level_nms_post():
    """GA-RPN's ``nms_post`` (kept per level) is honoured, not translated into ``max_per_img`` as for RPNHead."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'guided_anchoring', 'ga_faster_r50_fpn_1x_coco.py'))
    cfg.model.backbone.init_cfg = None
    model = build_detector(cfg.model)
    assert model.train_cfg.rpn_proposal.nms_post == 1000 and model.train_cfg.rpn_proposal.max_per_img == 300
    assert model.rpn_head.test_cfg.nms_post == 1000 and model.rpn_head.test_cfg.max_per_img == 300


@pytest.mark.parametrize('edit, match', [
    (lambda cfg: cfg['bbox_head']['square_anchor_generator'].update(scales=[8]), 'octave_base_scale'),
    (lambda cfg: cfg['train_cfg'].update(centre_ratio=0.2), 'model.train_cfg.centre_ratio'),
])
def test_bad_config_names_the_key(edit, match):
    cfg = tiny_model_cfg('ga_retinanet')
    edit(cfg)
    with pytest.raises((KeyError, ValueError), match=match):
        build_detector(cfg)
