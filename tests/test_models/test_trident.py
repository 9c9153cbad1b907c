"""TridentNet: same configs, layouts, detections (middle branch, and all branches merged) and losses as
mmdet 2.28.2.

tests/data/mmdet2282_trident_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
tridentnet_r50_caffe_1x_coco.py shrunk as in ``tiny_trident_cfg`` (ResNet-50 at 1/16 width, a ResNet-18
``layer2`` as shared head), all weights random (stored in float16): ``simple_test`` with the middle branch, with
all branches on the first image, and ``forward_train`` after ``torch.manual_seed(0)``.
mmdet2282_trident_layout.json holds mmdet's merged tridentnet/ configs and the full-size layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars

DATA = osp.join(osp.dirname(__file__), '..', 'data')
NAME = 'tridentnet/tridentnet_r50_caffe_1x_coco.py'


def tiny_trident_cfg(test_branch_idx: int = 1) -> dict:
    """The shipped TridentNet with a ResNet-50 at 1/16 width (64 channels at stride 16, three branches) and a
    ResNet-18 ``layer2`` (64 -> 128 channels) as shared head, 3 classes, fewer RoIs."""
    model = Config.fromfile(osp.join(CONFIGS, NAME)).model
    model.backbone.update(base_channels=4, init_cfg=None, test_branch_idx=test_branch_idx)
    model.rpn_head.update(in_channels=64, feat_channels=32)
    roi = model.roi_head
    roi.update(test_branch_idx=test_branch_idx)
    roi.shared_head.update(depth=18, stage=1, init_cfg=None)
    roi.bbox_roi_extractor.out_channels = 64
    roi.bbox_head.update(in_channels=128, num_classes=3)
    model.train_cfg.rcnn.sampler.num = 64
    model.test_cfg.rpn.max_per_img = 300
    model.test_cfg.rcnn.max_per_img = 20
    return model.to_dict()


TRIDENT_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_trident_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_trident_layout.json')))


def _model(test_branch_idx=1):
    return load_weights(build_detector(tiny_trident_cfg(test_branch_idx)), TRIDENT_GOLDEN['weights'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'tridentnet', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'tridentnet', name)) == LAYOUT['state_dicts'][name]


def test_middle_branch_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, TRIDENT_GOLDEN['model']['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[0]) > 0


def test_all_branches_merge_per_image():
    model = _model(test_branch_idx=-1).eval()
    with torch.no_grad():
        first = model.simple_test(GOLDEN['img'][:1], _metas()[:1], rescale=True)
        both = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    _assert_dets_equal(first[0], TRIDENT_GOLDEN['model']['simple_test_all_branches'])
    # image 0 of a batch of two gets its own three branches' detections, not image 1's (mmdet mixed them)
    for mine, alone in zip(both[0], first[0]):
        torch.testing.assert_close(torch.as_tensor(mine), torch.as_tensor(alone), rtol=1e-4, atol=2e-3)


def test_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), TRIDENT_GOLDEN['model']['log_vars'])


def test_branch_settings_must_agree():
    cfg = tiny_trident_cfg()
    cfg['roi_head']['test_branch_idx'] = 0
    with pytest.raises(ValueError, match='test_branch_idx'):
        build_detector(cfg)
    cfg = tiny_trident_cfg()
    cfg['backbone']['num_branch'] = 2
    with pytest.raises(ValueError, match='num_branch'):
        build_detector(cfg)


def test_gradient_checkpointing_trains_every_trident_block():
    cfg = tiny_trident_cfg()
    cfg['backbone']['with_cp'] = True
    model = load_weights(build_detector(cfg), TRIDENT_GOLDEN['weights']).train()
    log_vars = golden_training_log_vars(model)
    assert_log_vars_match(log_vars, TRIDENT_GOLDEN['model']['log_vars'])
    model.zero_grad()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
    model._parse_losses(losses)[0].backward()
    assert model.backbone.layer3[1].conv2.weight.grad.abs().sum() > 0
