"""DetectoRS (switchable atrous convolution, recursive feature pyramid): same configs, layouts, features,
detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_detectors_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
detectors_cascade_rcnn_r50_1x_coco.py shrunk as in ``_tiny.py`` (ResNet-50 at 1/16 width, for the backbone and
its feedback copy), all weights random (stored in float16; the ConvAWS scales at 1/sqrt(fan-in)): the neck's
outputs, ``simple_test`` and ``forward_train`` after ``torch.manual_seed(0)``.
mmdet2282_detectors_layout.json holds mmdet's merged detectors/ configs and two full-size layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector
from mmlite.ops import SAConv2d

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars

DATA = osp.join(osp.dirname(__file__), '..', 'data')
DETECTORS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_detectors_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_detectors_layout.json')))
EXPECTED = DETECTORS_GOLDEN['model']


def _model():
    cfg = tiny_model_cfg('detectors_cascade')
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    return load_weights(build_detector(cfg), DETECTORS_GOLDEN['weights'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'detectors', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'detectors', name)) == LAYOUT['state_dicts'][name]


def test_features_and_detections_match_mmdet():
    model = _model().eval()
    with torch.no_grad():
        feats = model.extract_feat(GOLDEN['img'])
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(feats, EXPECTED['feats']):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-4)
    for mine, theirs in zip(results, EXPECTED['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[0]) > 0


def test_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), EXPECTED['log_vars'])


def test_sac_starts_as_its_plain_weight_standardized_conv():
    torch.manual_seed(0)
    sac = SAConv2d(8, 8, 3, padding=1, bias=False, use_deform=True)
    x = torch.randn(2, 8, 10, 12)
    plain = torch.nn.functional.conv2d(x, sac._get_weight(sac.weight), None, 1, 1)
    torch.testing.assert_close(sac(x), plain, rtol=1e-4, atol=1e-5)  # switch 1, no context, zero offsets


def test_rfp_needs_the_image_and_rejects_an_init_cfg():
    cfg = tiny_model_cfg('detectors_cascade')
    model = build_detector(cfg)
    feats = model.backbone(GOLDEN['img'])
    with pytest.raises(ValueError, match='output_img=True'):
        model.neck(feats[1:])
    with pytest.raises(ValueError, match='init_cfg'):
        build_detector(dict(cfg, neck=dict(cfg['neck'], init_cfg=dict(type='Xavier', layer='Conv2d'))))


def test_nan_offsets_sample_zero_instead_of_crashing():
    from mmlite.ops.deform_conv import deform_conv2d
    x, weight = torch.ones(1, 2, 5, 5), torch.ones(2, 2, 3, 3)
    offset = torch.full((1, 18, 5, 5), float('nan'))
    assert torch.equal(deform_conv2d(x, offset, weight, 1, 1), torch.zeros(1, 2, 5, 5))
