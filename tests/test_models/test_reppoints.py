"""RepPoints: same configs, layouts, assignments, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_reppoints_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on four
shipped reppoints/ configs (moment; partial min-max with GN; the two "bbox + grid" baselines) shrunk as in
``_tiny.py``: backbone weights are those of mmdet2282_tiny_golden.pth, neck and head weights random (stored in
float16); with mmdet's ``simple_test``, flip ``aug_test``, ``forward_train`` (mmdet's ``valid_flags`` patched to
the CPU: it asked for CUDA) and ``PointAssigner`` on crafted boxes. mmdet2282_reppoints_layout.json holds mmdet's
merged reppoints/ configs and the state-dict layouts of four full-size ones.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import PointAssigner
from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
REPPOINTS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_reppoints_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_reppoints_layout.json')))
NAMES = ['reppoints', 'reppoints_partial_minmax', 'reppoints_grid', 'reppoints_grid_center']


def _model(name):
    return tiny_golden_model(name, REPPOINTS_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'reppoints', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'reppoints', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, REPPOINTS_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_detections_match_mmdet(name):
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], REPPOINTS_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    assert_log_vars_match(golden_training_log_vars(_model(name).train()),
                          REPPOINTS_GOLDEN['models'][name]['log_vars'])


@pytest.mark.parametrize('case', range(4))
def test_point_assigner_matches_mmdet(case):
    """Competing boxes on one level (the nearer wins a point), boxes below and above every level, 1-5 points
    per box."""
    golden = REPPOINTS_GOLDEN['assigner']
    expected = golden['cases'][case]
    result = PointAssigner(scale=expected['scale'], pos_num=expected['pos_num']).assign(
        golden['points'], golden['gts'], None, golden['labels'])
    assert torch.equal(result.gt_inds, expected['gt_inds'])
    assert torch.equal(result.labels, expected['labels'])
    assert (result.gt_inds > 0).sum() > 0


def test_point_assigner_without_boxes_or_points():
    points = torch.tensor([[0., 0., 8., 8.], [8., 0., 8., 8.]])
    result = PointAssigner().assign(points, torch.zeros((0, 4)), gt_labels=torch.zeros((0, ), dtype=torch.long))
    assert result.gt_inds.tolist() == [0, 0] and result.labels.tolist() == [-1, -1]
    assert PointAssigner().assign(points[:0], torch.tensor([[0., 0., 9., 9.]])).gt_inds.numel() == 0


def test_training_on_an_image_without_objects():
    model = _model('reppoints').train()
    losses = model.forward_train(GOLDEN['img'][:1], _metas()[:1], [torch.zeros((0, 4))],
                                 [torch.zeros((0, ), dtype=torch.long)])
    assert torch.isfinite(losses['loss_cls']) and losses['loss_cls'] > 0
    assert losses['loss_pts_init'] == 0 and losses['loss_pts_refine'] == 0


@pytest.mark.parametrize('change, match', [
    (dict(num_points=8), 'square of an odd number'),
    (dict(num_points=4), 'square of an odd number'),
    (dict(transform_method='mean'), 'transform_method'),
])
def test_bad_head_arguments(change, match):
    cfg = tiny_model_cfg('reppoints')
    cfg['bbox_head'].update(change)
    with pytest.raises(ValueError, match=match):
        build_detector(cfg)


@pytest.mark.parametrize('edit, match', [
    (lambda t: t.pop('refine'), r"missing \['refine'\]"),
    (lambda t: t['init'].update(assinger=None), 'model.train_cfg.init.assinger'),
    (lambda t: t['refine'].update(allowed_border=0), 'model.train_cfg.refine.allowed_border'),
    (lambda t: t['init'].update(sampler=dict(type='RandomSampler', num=8, pos_fraction=0.5)),
     'model.train_cfg.init.sampler'),
])
def test_bad_train_cfg_names_the_key(edit, match):
    cfg = tiny_model_cfg('reppoints')
    edit(cfg['train_cfg'])
    with pytest.raises((KeyError, ValueError), match=match):
        build_detector(cfg)


def test_every_parameter_learns():
    model = _model('reppoints').train()
    losses = model.forward_train(GOLDEN['img'], _metas(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
    sum(losses.values()).backward()
    head = model.bbox_head
    lacking = [n for n, p in head.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not lacking, lacking
    assert set(losses) == {'loss_cls', 'loss_pts_init', 'loss_pts_refine'}


def test_sampling_loss_with_per_stage_samplers():
    """A cross-entropy score loss samples; each stage may name its own sampler (mmdet had one shared one)."""
    cfg = tiny_model_cfg('reppoints')
    cfg['bbox_head']['loss_cls'] = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
    cfg['train_cfg']['refine']['sampler'] = dict(type='RandomSampler', num=16, pos_fraction=0.25, neg_pos_ub=-1,
                                                 add_gt_as_proposals=False)
    model = build_detector(cfg).train()
    assert type(model.bbox_head.samplers['refine']).__name__ == 'RandomSampler'
    assert type(model.bbox_head.samplers['init']).__name__ == 'PseudoSampler'
    torch.manual_seed(0)
    labels, weights, *_, avg = model.bbox_head._stage_targets(
        'refine', [torch.tensor([[0., 0., 40., 40.], [50., 50., 90., 90.], [2., 2., 38., 42.]] * 10)],
        [torch.ones(30, dtype=torch.bool)], [torch.tensor([[0., 0., 40., 40.]])], [torch.tensor([2])], None)
    # 20 positive candidates, 10 negative: 16 * 0.25 positives sampled, then every negative
    kept = labels[0][weights[0] > 0]
    assert (kept == 2).sum() == 4 and (kept == 3).sum() == 10 and avg == 14
    losses = model.forward_train(GOLDEN['img'], _metas(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
    assert all(torch.isfinite(v) for v in losses.values())
