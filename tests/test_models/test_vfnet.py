"""VarifocalNet: same configs, layouts, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_vfnet_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
vfnet_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: the backbone weights are those of mmdet2282_tiny_golden.pth,
neck and head weights random (stored in float16); with mmdet's ``simple_test``, flip ``aug_test`` and
``forward_train`` results, the training losses of a variant with FCOS targets, focal loss, stride-normalised
boxes and centre sampling (``vfnet_fcos``), and ``VarifocalLoss`` values. mmdet2282_vfnet_layout.json holds
mmdet's merged vfnet/ configs and the state-dict layouts of two full-size ones.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector, build_loss
from mmlite.models.dense_heads import VFNetHead

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
VF_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_vfnet_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_vfnet_layout.json')))
FCOS_VARIANT = dict(use_atss=False, use_vfl=False, bbox_norm_type='stride', center_sampling=True,
                    loss_cls_fl=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0))


def _model(name='vfnet'):
    cfg = tiny_model_cfg('vfnet')
    cfg['test_cfg']['max_per_img'] = 20
    if name == 'vfnet_fcos':
        cfg['bbox_head'].update(FCOS_VARIANT)
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, VF_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'vfnet', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'vfnet', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, VF_GOLDEN['models']['vfnet']['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


def test_flip_augmented_detections_match_mmdet():
    _assert_dets_equal(flip_aug_results(_model().eval())[0], VF_GOLDEN['models']['vfnet']['aug_test'][0])


@pytest.mark.parametrize('name', ['vfnet', 'vfnet_fcos'])
def test_training_losses_match_mmdet(name):
    """ATSS targets + varifocal loss (the shipped head), and FCOS targets + focal loss with stride-normalised
    boxes and centre sampling: the three logged losses equal mmdet's."""
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), VF_GOLDEN['models'][name]['log_vars'])


@pytest.mark.parametrize('key', sorted(VF_GOLDEN['loss']['values']))
def test_varifocal_loss_matches_mmdet(key):
    iou_weighted, reduction = key.split('-')
    loss = build_loss(dict(type='VarifocalLoss', iou_weighted=iou_weighted == 'True', reduction=reduction,
                           alpha=0.6, gamma=1.5))
    case = VF_GOLDEN['loss']
    value = loss(case['pred'], case['target'], weight=case['weight'] if reduction == 'sum' else None)
    torch.testing.assert_close(value, case['values'][key])


def test_star_offsets_put_the_kernel_on_the_box():
    """A point predicting (l, t, r, b) = (2, 4, 6, 8) strides: the deformed 3x3 kernel samples the corners,
    edge midpoints and the point itself; gradient_mul scales the gradient, not the value."""
    stride = 8
    bbox = torch.tensor([2., 4., 6., 8.]).view(1, 4, 1, 1).mul(stride).requires_grad_()
    offsets = VFNetHead.star_dcn_offset(bbox, 0.1, stride).view(9, 2)
    base = torch.tensor([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], dtype=torch.float)
    expected = torch.tensor([(y, x) for y in (-4., 0., 8.) for x in (-2., 0., 6.)])
    torch.testing.assert_close(offsets + base, expected)
    offsets.sum().backward()
    assert bbox.grad.abs().max() == pytest.approx(0.1 * 3 / stride)  # three kernel points per side, x0.1


def test_config_mistakes_are_named():
    cfg = tiny_model_cfg('vfnet')
    with pytest.raises(ValueError, match="bbox_norm_type must be 'reg_denom' or 'stride'"):
        build_detector(dict(cfg, bbox_head=dict(cfg['bbox_head'], bbox_norm_type='size')))
    with pytest.raises(ValueError, match='reg_decoded_bbox must be True'):
        build_detector(dict(cfg, bbox_head=dict(cfg['bbox_head'], reg_decoded_bbox=False)))
    with pytest.raises(NotImplementedError, match='use_sigmoid=True only'):
        build_loss(dict(type='VarifocalLoss', use_sigmoid=False))


def test_every_trainable_parameter_gets_a_gradient():
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    model._parse_losses(losses)[0].backward()
    assert [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None] == []
