"""SCNet (SCNetRoIHead, SCNetBBoxHead, SCNetMaskHead, SCNetSemanticHead, FeatureRelayHead, GlobalContextHead): same
configs, layout, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_scnet_golden.pth was written by mmdet 2.28.2 (CPU) on scnet_r50_fpn_1x_coco.py shrunk as in
``_tiny.py``: backbone, neck and RPN weights of mmdet2282_tiny_golden.pth, random RoI-head weights (float16);
``simple_test`` results and ``forward_train`` losses (``torch.manual_seed(0)``, with the recorded
``semantic_seg`` maps). mmdet2282_scnet_layout.json: the scnet/ configs merged and the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_head

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                golden_training_log_vars, tie_order, tiny_golden_rcnn)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_scnet_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_scnet_layout.json')))


def _model():
    return tiny_golden_rcnn('scnet', RECORDED['weights'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'scnet', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'scnet', name)) == LAYOUT['state_dicts'][name]


def test_detections_and_masks_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, segm), (their_bbox, their_segm) in zip(results, RECORDED['model']['simple_test']):
        assert sum(len(d) for d in bbox) > 0
        (bbox, segm), (their_bbox, their_segm) = tie_order(bbox, segm), tie_order(their_bbox, their_segm)
        _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
        _assert_masks_equal(segm, their_segm)


def test_unrescaled_masks_lie_in_their_boxes():
    """``rescale=False``: boxes and masks in the network input's frame (mmdet built 6-column mask RoIs from the
    scored boxes there)."""
    model = _model().eval()
    with torch.no_grad():
        (bbox, segm), _ = model.simple_test(GOLDEN['img'], _metas(), rescale=False)
        (rescaled, _), _ = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    assert sum(len(m) for m in segm) == sum(len(d) for d in bbox) > 0
    for dets, masks, dets_rescaled in zip(bbox, segm, rescaled):
        np.testing.assert_allclose(dets[:, :4], dets_rescaled[:, :4] * 0.8, rtol=1e-5, atol=1e-3)
        for (x1, y1, x2, y2, _), mask in zip(dets, masks):
            assert mask.shape == (96, 128)
            ys, xs = np.nonzero(mask)
            if len(xs):
                assert x1 - 2 <= xs.min() and xs.max() <= x2 + 2 and y1 - 2 <= ys.min() and ys.max() <= y2 + 2


def test_training_losses_match_mmdet():
    log_vars = golden_training_log_vars(_model().train(), with_masks=True, gt_semantic_seg=RECORDED['semantic_seg'])
    assert_log_vars_match(log_vars, RECORDED['model']['log_vars'])


def test_feature_relay_and_global_context_heads():
    relay = build_head(dict(type='FeatureRelayHead', in_channels=8, out_conv_channels=4, roi_feat_size=3))
    assert relay(torch.zeros(0, 8)) is None and relay(torch.randn(5, 8)).shape == (5, 4, 6, 6)
    glbctx = build_head(dict(type='GlobalContextHead', num_convs=2, in_channels=4, conv_out_channels=4, num_classes=3))
    logits, feat = glbctx([torch.randn(2, 4, 8, 8)])
    assert logits.shape == (2, 3) and feat.shape == (2, 4, 1, 1)
    loss = glbctx.loss(torch.zeros(2, 3), [torch.tensor([0, 2, 2]), torch.tensor([], dtype=torch.long)])
    assert float(loss) == pytest.approx(float(torch.log(torch.tensor(2.))))  # BCE of 0 logits
    with pytest.raises(TypeError, match='roi_feat_size must be an int'):
        build_head(dict(type='FeatureRelayHead', roi_feat_size=(7, 7)))
