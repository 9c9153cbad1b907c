"""EfficientNet against mmdet 2.28.2 (tests/data/mmdet2282_efficientnet_golden.json): b0, b3 and es backbones built
after ``torch.manual_seed(0)`` and ``init_weights``, redrawn (seed 7), outputs in eval mode (stochastic depth off) on
a (2, 3, 64, 64) input, frozen stages, layouts; the effb3 RetinaNet config merged and its full-size layout."""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_backbone
from mmlite.models.backbones.efficientnet import model_scaling

from ._random_weights import redraw_
from ._tiny import CONFIGS, full_size_layout, merged_config

RECORDED = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_efficientnet_golden.json')))
CONFIG = osp.join(CONFIGS, 'efficientnet', 'retinanet_effb3_fpn_crop896_8x4_1x_coco.py')


@pytest.mark.parametrize('name', sorted(RECORDED['cases']))
def test_backbone_matches_mmdet(name):
    case = RECORDED['cases'][name]
    torch.manual_seed(0)
    model = build_backbone(case['cfg'])
    model.init_weights()
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == case['layout']
    zeros = sorted(k for k, v in model.state_dict().items() if v.dtype.is_floating_point and v.abs().sum() == 0)
    assert zeros == case['zeros']
    x = torch.randn(2, 3, 64, 64, generator=redraw_(model, 7))
    with torch.no_grad():
        outs = model.eval()(x)
    model.train()
    assert sorted(n for n, p in model.named_parameters() if not p.requires_grad) == case['frozen']
    assert [list(o.shape) for o in outs] == case['shapes']
    assert [float(o.double().sum()) for o in outs] == pytest.approx(case['sums'], rel=1e-4, abs=1e-3)
    assert [float(o.double().abs().sum()) for o in outs] == pytest.approx(case['abs'], rel=1e-4)


def test_config_and_layout_match_mmdet():
    assert merged_config(CONFIG) == RECORDED['config']
    assert full_size_layout(CONFIG) == RECORDED['layout']


def test_scaling_and_errors():
    b3 = model_scaling([[[3, 32, 0, 2, 0, -1]], [[3, 16, 4, 1, 1, 0]], [[1, 1280, 0, 1, 0, -1]]], (1.2, 1.4))
    assert b3 == [[[3, 40, 0, 2, 0, -1]], [[3, 24, 4, 1, 1, 0], [3, 24, 4, 1, 1, 0]], [[1, 1536, 0, 1, 0, -1]]]
    with pytest.raises(ValueError, match='not one of the arch_settings'):
        build_backbone(dict(type='EfficientNet', arch='b9'))
    with pytest.raises(ValueError, match='out_indices must be in range'):
        build_backbone(dict(type='EfficientNet', out_indices=(7, )))
