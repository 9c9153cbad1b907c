"""C4 detectors (RoIs pooled from the stride-16 ``layer3``, ``layer4`` run per RoI as the ``ResLayer`` shared head):
same configs, layouts, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_c4_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
faster_rcnn_r50_caffe_c4_1x_coco.py and mask_rcnn_r50_caffe_c4_1x_coco.py shrunk as in ``_tiny_c4`` (ResNet-18 at
1/4 width, the shared head a ResNet-18 ``layer2``), all weights random (float16, BN statistics included;
the Mask R-CNN's are the Faster R-CNN's plus its mask head); with
mmdet's ``simple_test``, flip ``aug_test`` and ``forward_train`` (``torch.manual_seed(0)``) results.
mmdet2282_c4_layout.json holds mmdet's merged C4 configs and the full-size state-dict layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector, build_shared_head
from mmlite.utils import Config

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                flip_aug_results, golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
C4_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_c4_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_c4_layout.json')))
C4 = {'faster_rcnn_c4': 'faster_rcnn/faster_rcnn_r50_caffe_c4_1x_coco.py',
      'mask_rcnn_c4': 'mask_rcnn/mask_rcnn_r50_caffe_c4_1x_coco.py'}


def tiny_c4_cfg(name: str) -> dict:
    """The shipped C4 config with a ResNet-18 at 1/4 width (64 channels at stride 16) and a ResNet-18 ``layer2``
    (64 -> 128 channels, stride 2) as the shared head, 3 classes, fewer RoIs."""
    model = Config.fromfile(osp.join(CONFIGS, C4[name])).model
    model.backbone.update(depth=18, base_channels=16, init_cfg=None)
    model.rpn_head.update(in_channels=64, feat_channels=32)
    roi = model.roi_head
    roi.shared_head.update(depth=18, stage=1, init_cfg=None)
    roi.bbox_roi_extractor.out_channels = 64
    roi.bbox_head.update(in_channels=128, num_classes=3)
    if 'mask_head' in roi:
        roi.mask_head.update(in_channels=128, conv_out_channels=16, num_classes=3)
    model.train_cfg.rcnn.sampler.num = 64
    model.test_cfg.rpn.max_per_img = 300
    model.test_cfg.rcnn.max_per_img = 20
    return model.to_dict()


def _model(name):
    return load_weights(build_detector(tiny_c4_cfg(name)), C4_GOLDEN['weights']['faster_rcnn_c4'],
                        C4_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    keys = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'evaluation', 'checkpoint_config')
    assert merged_config(osp.join(CONFIGS, name), keys) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', sorted(C4))
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, C4_GOLDEN['models'][name]['simple_test']):
        if name == 'mask_rcnn_c4':
            _assert_dets_equal(mine[0], theirs[0])
            _assert_masks_equal(mine[1], theirs[1])
            mine = mine[0]
        else:
            _assert_dets_equal(mine, theirs)
        assert sum(len(d) for d in mine) > 0


@pytest.mark.parametrize('name', sorted(C4))
def test_flip_augmented_results_match_mmdet(name):
    mine, theirs = flip_aug_results(_model(name).eval())[0], C4_GOLDEN['models'][name]['aug_test'][0]
    if name == 'mask_rcnn_c4':
        _assert_dets_equal(mine[0], theirs[0])
        _assert_masks_equal(mine[1], theirs[1])
    else:
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', sorted(C4))
def test_training_losses_match_mmdet(name):
    """The mask head of Mask R-CNN C4 trains on the shared head's features of the positive RoIs."""
    log_vars = golden_training_log_vars(_model(name).train(), with_masks=name == 'mask_rcnn_c4')
    assert_log_vars_match(log_vars, C4_GOLDEN['models'][name]['log_vars'])


def test_shared_head_keeps_bn_frozen_and_names_mistakes():
    head = build_shared_head(dict(type='ResLayer', depth=50, stage=3, norm_cfg=dict(type='BN', requires_grad=False)))
    head.train()
    assert hasattr(head, 'layer4') and not head.layer4[0].bn1.training
    assert not any(p.requires_grad for n, p in head.named_parameters() if 'bn' in n)
    assert head(torch.randn(1, 1024, 8, 8)).shape == (1, 2048, 4, 4)
    with pytest.raises(ValueError, match='depth=42'):
        build_shared_head(dict(type='ResLayer', depth=42))
    for stage in (0, 4):  # mmdet's stage 0 had a fractional input width
        with pytest.raises(ValueError, match=f'stage={stage}; expected a stage of ResNet-50 after the first'):
            build_shared_head(dict(type='ResLayer', depth=50, stage=stage))
