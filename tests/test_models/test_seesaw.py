"""Seesaw loss with cosine predictors (SeesawLoss, NormedLinear, NormedConv2d): same configs, layouts, detections,
masks, losses and class counts as mmdet 2.28.2.

tests/data/mmdet2282_seesaw_golden.pth was written by mmdet 2.28.2 (CPU) on the seesaw_loss/ Mask R-CNN and Cascade
Mask R-CNN configs with cosine mask predictors, shrunk as in ``_tiny.py`` (3 classes): backbone, neck and RPN
weights of mmdet2282_tiny_golden.pth, random RoI-head weights (float16); ``simple_test`` results, two
``forward_train`` steps (``torch.manual_seed(0)`` then ``(1)``: the second sees the first's class counts) and the
``cum_samples`` buffers after them; and the loss alone on a long-tail label mix (p and q terms, activation,
accuracies). mmdet2282_seesaw_layout.json: the seesaw_loss/ configs merged and two full-size layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.models import build_loss

from ._tiny import CONFIGS, SEESAW, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                tie_order, tiny_golden_rcnn)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_seesaw_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_seesaw_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'evaluation')


def _model(name):
    return tiny_golden_rcnn(name, RECORDED['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'seesaw_loss', name), KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'seesaw_loss', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', sorted(SEESAW))
def test_detections_and_masks_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, segm), (their_bbox, their_segm) in zip(results, RECORDED['models'][name]['simple_test']):
        assert sum(len(d) for d in bbox) > 0
        (bbox, segm), (their_bbox, their_segm) = tie_order(bbox, segm), tie_order(their_bbox, their_segm)
        _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
        _assert_masks_equal(segm, their_segm)


@pytest.mark.parametrize('name', sorted(SEESAW))
def test_two_training_steps_match_mmdet(name):
    model = _model(name).train()
    masks = [BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']]
    for step, expected in enumerate(RECORDED['models'][name]['log_vars']):
        torch.manual_seed(step)
        losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'],
                                     gt_labels=GOLDEN['gt_labels'], gt_masks=masks)
        assert_log_vars_match(model._parse_losses(losses)[1], expected)
    counts = {k: v for k, v in model.state_dict().items() if 'cum_samples' in k}
    assert counts.keys() == RECORDED['models'][name]['cum_samples'].keys()
    for key, value in counts.items():
        torch.testing.assert_close(value, RECORDED['models'][name]['cum_samples'][key])


def test_seesaw_loss_terms_match_mmdet():
    case = RECORDED['loss_case']
    loss = build_loss(dict(type='SeesawLoss', p=0.8, q=2.0, num_classes=5, eps=1e-2, loss_weight=1.0))
    loss.cum_samples += torch.tensor([100., 3, 40, 0, 7, 900])
    out = loss(case['scores'], case['labels'], case['weights'], avg_factor=17.)
    assert out.keys() == case['out'].keys()
    for key in out:
        torch.testing.assert_close(out[key], case['out'][key])
    torch.testing.assert_close(loss.get_activation(case['scores']), case['activation'])
    assert loss.get_accuracy(case['scores'], case['labels']).keys() == case['accuracy'].keys()
    torch.testing.assert_close(loss.cum_samples, case['cum_samples'])


def test_seesaw_loss_errors():
    with pytest.raises(ValueError, match='use_sigmoid must be False'):
        build_loss(dict(type='SeesawLoss', use_sigmoid=True))
    with pytest.raises(ValueError, match='num_classes=5 but the head has 3'):
        build_loss(dict(type='SeesawLoss', num_classes=5)).get_cls_channels(3)
