"""RegNetX against mmdet 2.28.2 (tests/data/mmdet2282_regnet_golden.json): state-dict layouts of the shipped
archs; widths, groups, initialisation, frozen parameters and outputs of small arch dicts."""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_backbone, build_detector
from mmlite.models.backbones import RegNet
from mmlite.utils import Config

from ._tiny import CONFIGS

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_regnet_golden.json')))


@pytest.mark.parametrize('arch', sorted(GOLDEN['layouts']))
def test_layouts_of_the_shipped_archs_match_mmdet(arch):
    model = build_backbone(dict(type='RegNet', arch=arch))
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts'][arch]


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_and_outputs_match_mmdet(name):
    expected = GOLDEN['cases'][name]
    torch.manual_seed(0)
    model = build_backbone(expected['cfg'])
    model.init_weights()
    state = model.state_dict()
    assert [[k, list(v.shape)] for k, v in state.items()] == expected['keys']
    assert sorted(k for k, v in state.items() if v.dtype.is_floating_point and v.abs().sum() == 0) == expected['zeros']
    assert (model.stage_widths, model.group_widths, model.feat_dim) == (expected['widths'], expected['groups'],
                                                                        expected['feat_dim'])
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for key, value in state.items():
            if value.dtype.is_floating_point:
                noise = torch.randn(value.shape, generator=generator)
                value.copy_((noise * 0.2).abs() + 0.5 if 'running_var' in key else noise * 0.3)
    x = torch.randn(2, 3, 64, 48, generator=generator)
    outs = model.train()(x)
    assert sorted(n for n, p in model.named_parameters() if not p.requires_grad) == expected['frozen']
    assert [list(y.shape) for y in outs] == expected['shapes']
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], rel=1e-4, abs=1e-4)
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-4, abs=1e-4)


def test_width_rule_helpers_and_bad_archs():
    model = build_backbone(dict(type='RegNet', arch='regnetx_3.2gf'))
    assert (model.stage_widths, model.stage_blocks, model.depth) == ([96, 192, 432, 1008], [2, 6, 15, 2], 25)
    widths, num_stages = model.generate_regnet(88, 26.31, 2.25, 25)
    assert num_stages == 4 and model.get_stages_from_blocks(widths) == ([88, 200, 448, 1000], [2, 6, 15, 2])
    # each width then rounded to a multiple of the group width (48)
    assert model.adjust_width_group([88, 200, 448, 1000], [1.0] * 4, [48] * 4) == ([96, 192, 432, 1008], [48] * 4)
    assert RegNet.quantize_float(45, 8) == 48
    with pytest.raises(ValueError, match='is not one of the arch_settings'):
        build_backbone(dict(type='RegNet', arch='regnetx_999gf'))
    with pytest.raises(ValueError, match='w0 > 0 divisible by 8'):
        build_backbone(dict(type='RegNet', arch=dict(w0=12, wa=8.0, wm=2.0, group_w=4, depth=8, bot_mul=1.0)))


def test_shipped_regnet_config_builds_faster_rcnn_with_the_stage_widths():
    cfg = Config.fromfile(osp.join(CONFIGS, 'regnet/faster_rcnn_regnetx-3.2GF_fpn_1x_coco.py'))
    cfg.model.backbone.init_cfg = None
    model = build_detector(cfg.model)
    assert model.neck.in_channels == [96, 192, 432, 1008]
    with torch.no_grad():
        feats = model.eval().extract_feat(torch.zeros(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == [256] * 5
