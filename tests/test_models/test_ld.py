"""Localization distillation: same configs, student layout, detections and losses as mmdet 2.28.2, with a
teacher outside the student's state dict that follows it across devices and stays in eval mode.

tests/data/mmdet2282_ld_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
ld_r18_gflv1_r101_fpn_coco_1x.py shrunk as in ``_tiny.py`` (the teacher: the shrunk GFL): backbone weights
are those of mmdet2282_tiny_golden.pth, the rest of student and teacher random (stored in float16).
mmdet2282_ld_layout.json holds mmdet's merged ld/ configs and the R-18 student's layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector
from mmlite.models.losses import KnowledgeDistillationKLDivLoss
from mmlite.utils import Config

from ._tiny import CONFIGS, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars,
                                tiny_golden_distillation_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
LD_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_ld_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_ld_layout.json')))
WEIGHTS = LD_GOLDEN['weights']['ld']


def _model():
    return tiny_golden_distillation_model('ld', WEIGHTS)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'ld', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_student_layout_matches_mmdet(name, monkeypatch):
    monkeypatch.chdir(osp.join(CONFIGS, '..'))  # teacher_config is relative to the repository root, as mmdet
    cfg = Config.fromfile(osp.join(CONFIGS, 'ld', name))
    cfg.model.backbone.init_cfg, cfg.model.teacher_ckpt = None, None
    model = build_detector(cfg.model)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, LD_GOLDEN['models']['ld']['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[0]) > 0


def test_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), LD_GOLDEN['models']['ld']['log_vars'])


def test_losses_with_an_image_without_objects_match_mmdet():
    model = _model().train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], LD_GOLDEN['models']['ld']['log_vars_one_empty'])


def test_teacher_is_frozen_outside_the_state_dict_and_follows_the_student():
    model = build_detector(tiny_model_cfg('ld'))
    assert not any(k.startswith('teacher') for k in model.state_dict())
    assert all(p.data_ptr() != q.data_ptr() for p in model.parameters() for q in model.teacher_model.parameters())
    assert model.train() is model and not model.teacher_model.training and model.training
    model.double()
    assert next(model.teacher_model.parameters()).dtype == torch.float64


def test_missing_teacher_config_names_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = tiny_model_cfg('ld')
    cfg['teacher_config'] = 'configs/gfl/gfl_r101_fpn_mstrain_2x_coco.py'
    with pytest.raises(FileNotFoundError, match='teacher_config: configs/gfl/gfl_r101_fpn_mstrain_2x_coco.py'):
        build_detector(cfg)


def test_kl_loss_is_zero_for_equal_distributions_and_checks_shapes():
    loss = KnowledgeDistillationKLDivLoss(T=10)
    logits = torch.randn(6, 17)
    assert float(loss(logits, logits)) == pytest.approx(0, abs=1e-5)  # rounding, times T^2
    assert float(loss(logits, logits.flip(1))) > 0
    with pytest.raises(ValueError, match='differ in shape'):
        loss(logits, logits[:, :5])
    with pytest.raises(ValueError, match='at least 1'):
        KnowledgeDistillationKLDivLoss(T=0.5)
