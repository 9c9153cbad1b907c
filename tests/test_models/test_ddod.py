"""DDOD (DDODHead: two prediction-ranked ATSS assignments, DCN towers, level reweighting): same config, layout,
detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_ddod_golden.pth was written by mmdet 2.28.2 (CPU) on ddod_r50_fpn_1x_coco.py shrunk as in
``_tiny.py``: the backbone weights of mmdet2282_tiny_golden.pth, the rest random (float16); the golden images
upscaled 3x (nearest; mmcv's CPU deformable conv rejects feature maps smaller than its kernel). ``simple_test``
results, then ``forward_train`` losses twice on the same batch (the level weights follow the running positive
counts) and once with an image without objects, and the counts after the three.
mmdet2282_ddod_layout.json: the merged config and the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F

from mmlite.models import build_detector

from ._tiny import CONFIGS, assert_config_and_layout, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, assert_log_vars_match, tie_order, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_ddod_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_ddod_layout.json')))
CONFIG = osp.join(CONFIGS, 'ddod', 'ddod_r50_fpn_1x_coco.py')
IMG = F.interpolate(GOLDEN['img'], scale_factor=3, mode='nearest')
GT_BBOXES = [boxes * 3 for boxes in GOLDEN['gt_bboxes']]


def _metas():
    return [dict(m, img_shape=(288, 384, 3), pad_shape=(288, 384, 3),
                 scale_factor=np.array(m['scale_factor'], dtype=np.float32) * 3) for m in GOLDEN['metas']]


def test_config_and_layout_match_mmdet():
    assert_config_and_layout(CONFIG, LAYOUT)


def test_detections_match_mmdet():
    with torch.no_grad():
        results = tiny_golden_model('ddod', RECORDED['weights'], 100).eval().simple_test(IMG, _metas(), rescale=True)
    for mine, theirs in zip(results, RECORDED['model']['simple_test']):
        assert sum(len(d) for d in mine) == 100
        _assert_dets_equal([d.numpy() for d in tie_order(mine)[0]], tie_order(theirs)[0])


def test_training_losses_and_level_weights_match_mmdet():
    model = tiny_golden_model('ddod', RECORDED['weights']).train()
    for recorded in ('log_vars', 'second_log_vars'):  # the second step's weights include the first's positives
        losses = model.forward_train(IMG, _metas(), gt_bboxes=GT_BBOXES, gt_labels=GOLDEN['gt_labels'])
        assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model'][recorded])
    losses = model.forward_train(IMG, _metas(), gt_bboxes=[GT_BBOXES[0], torch.zeros(0, 4)],
                                 gt_labels=[GOLDEN['gt_labels'][0], torch.zeros(0, dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['empty_log_vars'])
    assert model.bbox_head.cls_num_pos_samples_per_level.tolist() == RECORDED['model']['pos_counts'].tolist()
    sum(losses['loss_bbox']).backward()
    assert model.bbox_head.atss_reg.weight.grad.abs().sum() > 0
    assert model.bbox_head.reg_convs[0].conv.conv_offset.weight.grad.abs().sum() > 0


def test_dcn_towers_start_as_plain_convs_and_small_maps_work():
    head = build_detector(tiny_model_cfg('ddod')).bbox_head
    head.init_weights()
    offset = head.cls_convs[0].conv.conv_offset
    assert offset.weight.abs().sum() == 0 and offset.bias.abs().sum() == 0
    assert abs(float(head.atss_cls.bias.mean()) - float(-np.log(99))) < 1e-6
    # mmcv's CPU op rejected maps smaller than the 3x3 kernel (P6/P7 of small images); torchvision's does not
    cls_scores, bbox_preds, iou_preds = head([torch.randn(1, 16, 1, 2)])
    assert cls_scores[0].shape == (1, 3, 1, 2) and iou_preds[0].shape == (1, 1, 1, 2)
