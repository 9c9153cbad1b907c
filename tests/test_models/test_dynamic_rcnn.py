"""Dynamic R-CNN (DynamicRoIHead): same config, losses and hyper-parameter updates as mmdet 2.28.2.

tests/data/mmdet2282_dynamic_rcnn_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU): the
merged dynamic_rcnn_r50_fpn_1x_coco.py, and three ``forward_train`` steps (after ``torch.manual_seed(0)``) of it
shrunk as in ``_tiny.py`` with the weights of mmdet2282_tiny_golden.pth and ``update_iter_interval=2, iou_topk=20,
beta_topk=20, initial_beta=5``: each step's log values and the assigner's IoU threshold and the loss's beta after
it (the update after step 2 moves the threshold; the tiny model's positives are the gts, whose zero targets keep
beta, as in mmdet; the beta rule itself is checked on crafted statistics).
"""
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector

from ._tiny import CONFIGS, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _metas, assert_log_vars_match

DYN_GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_dynamic_rcnn_golden.pth'),
                        weights_only=True)


def _model():
    cfg = tiny_model_cfg('dynamic_rcnn')
    cfg['train_cfg']['rcnn']['dynamic_rcnn'].update(update_iter_interval=2, iou_topk=20, beta_topk=20,
                                                    initial_beta=5.0)
    model = build_detector(cfg)
    source, own = GOLDEN['weights']['two_stage'], model.state_dict()
    model.load_state_dict({k: source[k].to(own[k].dtype) for k in own}, strict=True)
    return model


def test_config_matches_mmdet():
    assert merged_config(osp.join(CONFIGS, 'dynamic_rcnn', 'dynamic_rcnn_r50_fpn_1x_coco.py')) == DYN_GOLDEN['config']


def test_training_steps_and_updates_match_mmdet():
    model = _model().train()
    torch.manual_seed(0)
    for step in DYN_GOLDEN['steps']:
        losses = model.forward_train(GOLDEN['img'], _metas(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
        assert_log_vars_match(model._parse_losses(losses)[1], step['log_vars'])
        assert model.roi_head.bbox_assigner.pos_iou_thr == pytest.approx(step['iou_thr'])
        assert model.roi_head.bbox_assigner.min_pos_iou == pytest.approx(step['iou_thr'])
        assert model.roi_head.bbox_head.loss_bbox.beta == pytest.approx(step['beta'])


def test_update_rule():
    """IoU: the mean of the steps' values, at least ``initial_iou``; beta: the median (numpy's: the mean of the
    middle two of an even count), at most ``initial_beta``; both histories cleared."""
    head = _model().roi_head
    head.iou_history = [torch.tensor(0.55, dtype=torch.float64), torch.tensor(0.65, dtype=torch.float64)]
    head.beta_history = [torch.tensor(v) for v in (0.2, 0.9, 0.4, 0.3)]
    iou, beta = head.update_hyperparameters()
    assert iou == pytest.approx(0.6) and beta == pytest.approx(np.median([0.2, 0.9, 0.4, 0.3]))
    assert head.bbox_assigner.neg_iou_thr == pytest.approx(0.6) and head.bbox_head.loss_bbox.beta == beta
    assert head.iou_history == [] and head.beta_history == []
    head.iou_history, head.beta_history = [torch.tensor(0.1, dtype=torch.float64)], [torch.tensor(9.)]
    assert head.update_hyperparameters() == (pytest.approx(0.4), pytest.approx(5.0))


def test_needs_a_smooth_l1_box_loss():
    cfg = tiny_model_cfg('dynamic_rcnn')
    cfg['roi_head']['bbox_head']['loss_bbox'] = dict(type='L1Loss', loss_weight=1.0)
    with pytest.raises(TypeError, match='SmoothL1Loss'):
        build_detector(cfg)
