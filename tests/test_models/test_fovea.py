"""FoveaBox: same configs, layouts, targets, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_fovea_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
fovea_r50_fpn_4x4_1x_coco.py and fovea_align_r50_fpn_gn-head_4x4_2x_coco.py shrunk as in ``_tiny.py``: backbone
weights are those of mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with mmdet's
``simple_test``, flip ``aug_test``, ``forward_train`` and ``get_targets`` on a crafted case (nested foveae, sizes
out of every range, an image without objects). mmdet2282_fovea_layout.json holds mmdet's merged foveabox/
configs and the state-dict layouts of two full-size ones.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FOVEA_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_fovea_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_fovea_layout.json')))
NAMES = ['fovea', 'fovea_align']


def _model(name):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['max_per_img'] = 20
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, FOVEA_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'foveabox', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'foveabox', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, FOVEA_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_detections_match_mmdet(name):
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], FOVEA_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), FOVEA_GOLDEN['models'][name]['log_vars'])


def test_targets_match_mmdet():
    """Nested foveae (the smaller object wins), an object too small for level 1 and too large for level 0's
    fovea to stay inside, one whose size fits no level, and an image without objects."""
    head = _model('fovea').bbox_head
    sizes = [torch.Size(s) for s in ((12, 16), (6, 8), (3, 4), (2, 2), (1, 1))]
    points = head.prior_generator.grid_priors(sizes, dtype=torch.float32, device='cpu')
    gts = [torch.tensor([[10., 10., 60., 50.], [20., 15., 45., 40.], [0., 0., 127., 95.], [70., 20., 80., 28.]]),
           torch.zeros((0, 4))]
    labels = [torch.tensor([0, 1, 2, 1]), torch.zeros((0, ), dtype=torch.long)]
    flat_labels, flat_targets = head.get_targets(gts, labels, sizes, points)
    expected = FOVEA_GOLDEN['models']['fovea']['targets']
    positive = flat_labels < 3
    assert torch.equal(flat_labels, expected['labels']) and positive.sum() > 0
    # only the positives' targets are defined (mmdet left the others as uninitialised memory, plus 1)
    torch.testing.assert_close(flat_targets[positive], expected['bbox_targets'][positive])
    assert (flat_targets[~positive] == 0).all()  # log(1): here they are neutral


def test_levels_must_agree():
    cfg = tiny_model_cfg('fovea')
    cfg['bbox_head']['base_edge_list'] = [16, 32]
    with pytest.raises(ValueError, match='need one entry per level'):
        build_detector(cfg)


def test_aligned_head_initialises_as_mmdet():
    """The shape-fed offset conv (no bias) keeps its N(0, 0.1) init (a DCN pack's would be zeroed); this used
    to fail inside init_weights."""
    model = build_detector(tiny_model_cfg('fovea_align'))
    model.init_weights()
    offset = model.bbox_head.feature_adaption.conv_offset.weight
    assert 0.05 < offset.std() < 0.2
    assert abs(model.bbox_head.feature_adaption.conv_adaption.weight.std() - 0.01) < 0.005
