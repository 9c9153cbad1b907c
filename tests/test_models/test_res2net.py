"""Res2Net (Bottle2neck, Res2Layer) against mmdet 2.28.2 (tests/data/mmdet2282_res2net_golden.json): layouts,
initialisation (no zero-init of the residual norm, as mmdet), frozen stages and outputs."""
import json
import os.path as osp

import pytest

from mmlite.models import build_backbone

from ._random_weights import check_backbone_case

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_res2net_golden.json')))
LAYOUT_CFGS = {'r2_50_26w4s': dict(type='Res2Net', depth=50), 'r2_101_26w4s': dict(type='Res2Net', depth=101),
               'r2_50_48w2s': dict(type='Res2Net', depth=50, scales=2, base_width=48)}


@pytest.mark.parametrize('name', sorted(LAYOUT_CFGS))
def test_layouts_match_mmdet(name):
    model = build_backbone(LAYOUT_CFGS[name])
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts'][name]


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_freezing_and_outputs_match_mmdet(name):
    check_backbone_case(GOLDEN['cases'][name], seed=5)


def test_one_scale_is_refused():
    with pytest.raises(ValueError, match='degenerates to ResNet'):
        build_backbone(dict(type='Res2Net', depth=50, scales=1))


def test_shipped_config_matches_mmdet():
    from mmlite.utils import Config

    from ._tiny import CONFIGS
    cfg = Config.fromfile(osp.join(CONFIGS, 'res2net/faster_rcnn_r2_101_fpn_2x_coco.py'))
    mine = dict(model=cfg.model.to_dict(), lr_config=cfg.lr_config.to_dict(), runner=cfg.runner.to_dict())
    assert json.loads(json.dumps(mine)) == GOLDEN['config']
