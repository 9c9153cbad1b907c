"""Mask Scoring R-CNN: same configs, layout, detections, masks, mask scores and losses as mmdet 2.28.2.

tests/data/mmdet2282_ms_rcnn_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
shipped ms_rcnn_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: all weights but the MaskIoUHead's are those of
mmdet2282_tiny_golden.pth, the MaskIoUHead's are random (stored in float16); with mmdet's ``simple_test``
(rescaled) and ``forward_train`` (``torch.manual_seed(0)``) results. mmdet2282_ms_rcnn_layout.json holds
mmdet's merged configs (the eight ms_rcnn/ ones and mask_rcnn_r50_caffe_fpn_1x_coco.py) and the state-dict
layout of the full-size R50-FPN model.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks, PolygonMasks
from mmlite.models import build_detector, build_head
from mmlite.utils import Config

from ._tiny import CONFIGS, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
MS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_ms_rcnn_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_ms_rcnn_layout.json')))


def _model():
    cfg = tiny_model_cfg('ms_rcnn')
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    cfg['test_cfg']['rpn']['max_per_img'] = 300
    return load_weights(build_detector(cfg), GOLDEN['weights']['two_stage'], MS_GOLDEN['weights'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    path = osp.join(CONFIGS, 'mask_rcnn' if name.startswith('mask') else 'ms_rcnn', name)
    assert merged_config(path, ('model', 'optimizer', 'lr_config', 'runner', 'data')) == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    cfg = Config.fromfile(osp.join(CONFIGS, 'ms_rcnn', 'ms_rcnn_r50_fpn_1x_coco.py'))
    cfg.model.backbone.init_cfg = None
    assert [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()] == LAYOUT['state_dict']


def test_detections_masks_and_mask_scores_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, (segm, scores)), (their_bbox, their_segm, their_scores) in zip(results, MS_GOLDEN['simple_test']):
        _assert_dets_equal(bbox, their_bbox)
        _assert_masks_equal(segm, their_segm)
        assert sum(len(s) for s in scores) == sum(len(b) for b in bbox) > 0
        for mine, theirs in zip(scores, their_scores):
            np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-4, atol=1e-6)


def test_training_losses_match_mmdet():
    log_vars = golden_training_log_vars(_model().train(), with_masks=True)
    assert log_vars['loss_mask_iou'] > 0
    assert_log_vars_match(log_vars, MS_GOLDEN['log_vars'])


def test_mask_iou_targets_for_bitmap_and_polygon_masks():
    """A proposal covering the left half of a 4x8 box object: area ratio 1/2, so the object's full area is
    twice what the RoI sees; the prediction (left half of the RoI) overlaps half the object."""
    head = build_head(dict(type='MaskIoUHead', num_convs=1, num_fcs=1, roi_feat_size=4, in_channels=2,
                           conv_out_channels=2, fc_out_channels=4, num_classes=2))
    bitmap = np.zeros((1, 20, 20), np.uint8)
    bitmap[0, 2:6, 2:10] = 1
    polygon = [[np.array([2, 2, 10, 2, 10, 6, 2, 6], np.float64)]]

    class Sampled:
        pos_bboxes = torch.tensor([[2., 2., 6., 6.]])
        pos_assigned_gt_inds = torch.tensor([0])

    mask_targets = torch.ones(1, 4, 4)
    mask_pred = torch.full((1, 4, 4), -5.)
    mask_pred[:, :, :2] = 5.
    for masks in (BitmapMasks(bitmap, 20, 20), PolygonMasks(polygon, 20, 20)):
        targets = head.get_targets([Sampled], [masks], mask_pred, mask_targets, Config(dict(mask_thr_binary=0.5)))
        # in RoI pixels: overlap 8, predicted 8, object 16 (inside) / 0.5 (ratio) = 32
        torch.testing.assert_close(targets, torch.tensor([8 / 32]))


def test_mask_iou_loss_ignores_non_positive_and_undefined_targets():
    head = build_head(dict(type='MaskIoUHead', num_classes=2))
    pred = torch.tensor([0.5, 0.2, 0.9], requires_grad=True)
    loss = head.loss(pred, torch.tensor([0.7, 0., float('nan')]))['loss_mask_iou']
    torch.testing.assert_close(loss, torch.tensor(0.5 * 0.2**2))
    loss.backward()
    assert pred.grad[1] == 0 and pred.grad[2] == 0
    assert head.loss(pred, torch.zeros(3))['loss_mask_iou'] == 0


def test_missing_mask_thr_binary_is_named():
    cfg = tiny_model_cfg('ms_rcnn')
    del cfg['train_cfg']['rcnn']['mask_thr_binary']
    with pytest.raises(KeyError, match='train_cfg.rcnn.mask_thr_binary'):
        golden_training_log_vars(build_detector(cfg).train(), with_masks=True)
    cfg['train_cfg']['rcnn']['mask_thr'] = 0.5
    with pytest.raises(KeyError, match='model.train_cfg.rcnn.mask_thr: unknown key'):
        build_detector(cfg)
