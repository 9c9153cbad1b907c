"""mmdet's Ascend (NPU) configs (AscendRetinaHead, AscendSSDHead, AscendMaxIoUAssigner) against mmdet 2.28.2's own
Ascend heads run on CPU (tests/data/mmdet2282_ascend_golden.json: full-size models with weights drawn as
``randomized_detector`` does, 3 classes): detections and training losses, also with an image without boxes."""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import AscendMaxIoUAssigner, MaxIoUAssigner
from mmlite.models.dense_heads import AscendRetinaHead, AscendSSDHead, RetinaHead, SSDHead

from ._random_weights import randomized_detector
from ._tiny import CONFIGS
from .test_mmdet_golden import GOLDEN as TINY
from .test_mmdet_golden import assert_log_vars_match
from .test_ssd import assert_detections_match, randomized_golden_batch

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_ascend_golden.json')))
# name: config, weight seed, input size, input scale, box scale
CASES = {'ascend_ssd300': ('ssd/ascend_ssd300_coco.py', 2287, (300, 300), 50, 2.3),
         'ascend_retinanet': ('retinanet/ascend_retinanet_r18_fpn_1x8_1x_coco.py', 2290, (192, 256), 1, 2.0)}


@pytest.mark.parametrize('name', sorted(CASES))
def test_ascend_models_match_mmdets_ascend_heads(name):
    config, seed, (h, w), img_scale, box_scale = CASES[name]
    model, generator = randomized_detector(osp.join(CONFIGS, config), seed)
    assert type(model.bbox_head) in (AscendRetinaHead, AscendSSDHead)
    assert type(model.bbox_head.assigner) is AscendMaxIoUAssigner
    img, metas = randomized_golden_batch(generator, h, w, img_scale)
    assert_detections_match(model, img, metas, GOLDEN[name]['simple_test'])
    model.train()
    boxes = [b * box_scale for b in TINY['gt_bboxes']]
    losses = model.forward_train(img, metas, gt_bboxes=boxes, gt_labels=TINY['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], GOLDEN[name]['log_vars'])
    losses = model.forward_train(img, metas, gt_bboxes=[boxes[0], torch.zeros(0, 4)],
                                 gt_labels=[TINY['gt_labels'][0], torch.zeros(0, dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], GOLDEN[name]['empty_log_vars'])


def test_ascend_names_are_the_standard_components():
    assert issubclass(AscendRetinaHead, RetinaHead) and issubclass(AscendSSDHead, SSDHead)
    assert issubclass(AscendMaxIoUAssigner, MaxIoUAssigner)
