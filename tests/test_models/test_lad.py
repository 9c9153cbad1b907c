"""Label assignment distillation: same configs, student layout, detections and losses as mmdet 2.28.2; the PAA
teacher, built from its parts, stays outside the student's state dict, frozen, and assigns the labels.

tests/data/mmdet2282_lad_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, scikit-learn
1.9.1, CPU) on lad_r50_paa_r101_fpn_coco_1x.py shrunk as in ``_tiny.py`` (student and teacher alike): backbone
weights are those of mmdet2282_tiny_golden.pth, the rest of student and teacher random (stored in float16).
mmdet2282_lad_layout.json holds mmdet's merged lad/ configs and their students' layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars,
                                tiny_golden_distillation_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
LAD_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_lad_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_lad_layout.json')))
WEIGHTS = LAD_GOLDEN['weights']['lad']
EXPECTED = LAD_GOLDEN['models']['lad']


def _model():
    return tiny_golden_distillation_model('lad', WEIGHTS)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'lad', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_student_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'lad', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, EXPECTED['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[1]) > 0


def test_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), EXPECTED['log_vars'])


def test_losses_with_an_image_without_objects_match_mmdet():
    model = _model().train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], EXPECTED['log_vars_one_empty'])


def test_student_learns_the_teachers_assignment_not_its_own():
    model = _model().train()
    head, args = model.bbox_head, (GOLDEN['gt_bboxes'], GOLDEN['gt_labels'], _metas())
    outs = head(model.extract_feat(GOLDEN['img']))
    own = head.loss(*outs, *args, label_assignment_results=head.get_label_assignment(*outs, *args))
    assert float(own['loss_cls']) != pytest.approx(float(EXPECTED['log_vars']['loss_cls']), rel=1e-3)
    with pytest.raises(ValueError, match='label_assignment_results'):
        head.loss(*outs, *args)


def test_teacher_is_frozen_outside_the_state_dict_and_follows_the_student():
    model = build_detector(tiny_model_cfg('lad'))
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert model.train() is model and not model.teacher_model.training and model.training
    model.double()
    assert next(model.teacher_model.parameters()).dtype == torch.float64


def test_score_voting_of_test_cfg_switches_voting():
    model = _model().eval()
    with torch.no_grad():
        voted = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
        model.bbox_head.test_cfg.score_voting = False
        plain = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    changed = [not torch.equal(torch.as_tensor(a), torch.as_tensor(b)) for v, p in zip(voted, plain)
               for a, b in zip(v, p)]
    assert any(changed)
