"""FCOS (plain and improved), ATSS and GFL: same configs, layouts, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_{fcos,atss,gfl}_golden.pth were written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU)
on the shipped configs shrunk as in ``_tiny.py`` (GroupNorm of 4 groups): backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with mmdet's ``simple_test``,
flip ``aug_test`` and ``forward_train`` results. mmdet2282_{fcos,atss,gfl}_layout.json hold mmdet's merged configs
and the state-dict layouts of the full-size models.
"""
import json
import os.path as osp
import warnings

import pytest
import torch

from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CONFIGS, DENSE, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FAMILY = {'fcos': 'fcos', 'fcos_improved': 'fcos', 'atss': 'atss', 'gfl': 'gfl'}
RECORDS = {family: torch.load(osp.join(DATA, f'mmdet2282_{family}_golden.pth'), weights_only=True)
           for family in set(FAMILY.values())}
LAYOUTS = {family: json.load(open(osp.join(DATA, f'mmdet2282_{family}_layout.json'))) for family in RECORDS}
NAMES = sorted(FAMILY)
CFG_KEYS = ('model', 'img_norm_cfg', 'train_pipeline', 'test_pipeline', 'data', 'optimizer', 'optimizer_config',
            'lr_config', 'runner')


def _record(name):
    return RECORDS[FAMILY[name]]['models'][name]


def _model(name):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['max_per_img'] = 20
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = build_detector(cfg)
    weights = dict(GOLDEN['weights']['two_stage'], **RECORDS[FAMILY[name]]['weights'][name])
    own = model.state_dict()
    model.load_state_dict({k: weights[k].to(own[k].dtype) for k in own}, strict=True)
    return model


@pytest.mark.parametrize('name', NAMES)
def test_config_and_state_dict_layout_match_mmdet(name):
    layout = LAYOUTS[FAMILY[name]]
    cfg = Config.fromfile(osp.join(CONFIGS, DENSE[name]))
    mine = json.loads(json.dumps({k: cfg[k] for k in CFG_KEYS}, default=lambda o: o.to_dict()))
    assert mine == layout['configs'][name]
    cfg.model.backbone.init_cfg = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model = build_detector(cfg.model)
    unused = [str(w.message) for w in caught if 'are not used by' in str(w.message)]
    # FCOS ignores mmdet's train_cfg (assigner...) and says so once; ATSS and GFL use it
    assert len(unused) == (1 if name.startswith('fcos') else 0)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == layout['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, _record(name)['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_results_match_mmdet(name):
    mine = flip_aug_results(_model(name).eval())[0]
    _assert_dets_equal(mine, _record(name)['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'],
                                 gt_labels=GOLDEN['gt_labels'])
    _, log_vars = model._parse_losses(losses)
    assert_log_vars_match(log_vars, _record(name)['log_vars'])
