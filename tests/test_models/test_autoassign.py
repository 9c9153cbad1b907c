"""AutoAssign (AutoAssignHead with its CenterPrior): same config, layout, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_autoassign_golden.pth was written by mmdet 2.28.2 (CPU) on autoassign_r50_fpn_8x2_1x_coco.py
shrunk as in ``_tiny.py``: the backbone weights of mmdet2282_tiny_golden.pth, the rest random (float16);
``simple_test`` results and ``forward_train`` losses, also with an image without objects.
mmdet2282_autoassign_layout.json: the merged config and the full-size layout.
"""
import json
import os.path as osp

import torch

from ._tiny import CONFIGS, assert_config_and_layout
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tie_order, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_autoassign_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_autoassign_layout.json')))
CONFIG = osp.join(CONFIGS, 'autoassign', 'autoassign_r50_fpn_8x2_1x_coco.py')


def test_config_and_layout_match_mmdet():
    assert_config_and_layout(CONFIG, LAYOUT)


def test_detections_match_mmdet():
    with torch.no_grad():
        results = tiny_golden_model('autoassign', RECORDED['weights']).eval().simple_test(GOLDEN['img'], _metas(),
                                                                                          rescale=True)
    for mine, theirs in zip(results, RECORDED['model']['simple_test']):
        assert sum(len(d) for d in mine) == 20
        _assert_dets_equal([d.numpy() for d in tie_order(mine)[0]], tie_order(theirs)[0])


def test_training_losses_match_mmdet():
    model = tiny_golden_model('autoassign', RECORDED['weights']).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['log_vars'])
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=[GOLDEN['gt_bboxes'][0], torch.zeros(0, 4)],
                                 gt_labels=[GOLDEN['gt_labels'][0], torch.zeros(0, dtype=torch.long)])
    log_vars = model._parse_losses(losses)[1]
    assert_log_vars_match(log_vars, RECORDED['model']['empty_log_vars'])
    losses['loss_pos'].backward()
    assert model.bbox_head.conv_reg.weight.grad.abs().sum() > 0
