"""Cascade RPN (CascadeRPNHead, StageCascadeRPNHead, AdaptiveConv, RegionAssigner), alone and under Faster
R-CNN: same configs, layouts, proposals, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_cascade_rpn_golden.pth was written by mmdet 2.28.2 (CPU) on crpn_r50_caffe_fpn_1x_coco.py
and crpn_faster_rcnn_r50_caffe_fpn_1x_coco.py shrunk as in ``_tiny.py``: the backbone and neck weights of
mmdet2282_tiny_golden.pth, the rest random (float16). ``simple_test`` (the best 100 proposals; at most 20
detections), and ``forward_train`` losses after ``torch.manual_seed(0)`` (the second stage's and R-CNN's
sampling draws).
mmdet2282_crpn*_layout.json: the merged configs and the full-size layouts.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.bbox import RegionAssigner
from mmlite.models import build_detector

from ._tiny import CASCADE_RPN, CONFIGS, assert_config_and_layout, load_weights, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_cascade_rpn_golden.pth'), weights_only=True)


def _model(name):
    cfg = tiny_model_cfg(name)
    if 'rcnn' in cfg['test_cfg']:
        cfg['test_cfg']['rcnn']['max_per_img'] = 20
    base = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith(('backbone.', 'neck.'))}
    return load_weights(build_detector(cfg), base, RECORDED['weights'][name])


@pytest.mark.parametrize('name', sorted(CASCADE_RPN))
def test_config_and_layout_match_mmdet(name):
    layout = json.load(open(osp.join(DATA, f'mmdet2282_{name}_layout.json')))
    assert_config_and_layout(osp.join(CONFIGS, CASCADE_RPN[name]), layout)


def test_proposals_and_detections_match_mmdet():
    with torch.no_grad():
        proposals = _model('crpn').eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
        detections = _model('crpn_faster').eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(proposals, RECORDED['model']['crpn']['proposals']):
        np.testing.assert_allclose(mine[:100], theirs.numpy(), rtol=1e-4, atol=2e-3)
    for mine, theirs in zip(detections, RECORDED['model']['crpn_faster']['simple_test']):
        assert sum(len(d) for d in mine) == 20
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', sorted(CASCADE_RPN))
def test_training_losses_match_mmdet(name):
    model = _model(name).train()
    kwargs = dict(gt_labels=GOLDEN['gt_labels']) if name == 'crpn_faster' else {}
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], **kwargs)
    log_vars = model._parse_losses(losses)[1]
    assert_log_vars_match(log_vars, RECORDED['model'][name]['log_vars'])
    model._parse_losses(losses)[0].backward()
    first, second = model.rpn_head.stages
    assert first.rpn_conv.conv.dilation == (3, 3) and first.rpn_reg.weight.grad.abs().sum() > 0
    assert second.rpn_conv.conv.weight.grad.abs().sum() > 0  # the deformable conv over the refined anchors


def test_region_assigner_ignores_the_adjacent_levels():
    """A 64-px gt goes to level 1 (anchor 32 px at stride 4 on level 0): its centre cells are positive there; its
    ignore region on levels 0 and 2 is ignored (mmdet's integer-indexed flags ignored anchors 0 and 1 instead)."""
    strides, sizes = [4, 8, 16], [(16, 16), (8, 8), (4, 4)]
    anchors = []
    for stride, (h, w) in zip(strides, sizes):
        ys, xs = torch.meshgrid(torch.arange(h) * stride, torch.arange(w) * stride, indexing='ij')
        centre = torch.stack([xs, ys], -1).reshape(-1, 2).float() + stride / 2
        anchors.append(torch.cat([centre - 4 * stride, centre + 4 * stride], 1))
    valid = [torch.ones(len(a), dtype=torch.bool) for a in anchors]
    gt = torch.tensor([[0., 0., 64., 64.]])
    result = RegionAssigner(center_ratio=0.2, ignore_ratio=0.5).assign(
        anchors, valid, gt, dict(img_shape=(64, 64, 3)), sizes, 8, strides, allowed_border=-1)
    level = torch.split(result.gt_inds, [16 * 16, 8 * 8, 4 * 4])
    assert (level[1] == 1).sum() > 0 and (level[1] == -1).sum() > 0
    assert (level[0] == -1).sum() > 2 and (level[2] == -1).sum() > 0 and not (level[0] > 0).any()
    assert (level[0] == 0).sum() > 0  # far from the gt: negative
