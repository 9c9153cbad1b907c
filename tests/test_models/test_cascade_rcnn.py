"""Cascade R-CNN and Cascade Mask R-CNN: same configs, layouts, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_cascade_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
the shipped cascade configs shrunk as in ``_tiny.py``: backbone, neck and RPN weights are those of
mmdet2282_tiny_golden.pth, the RoI heads' are random (stored in float16); with mmdet's ``simple_test``,
flip ``aug_test`` and ``forward_train`` (``torch.manual_seed(0)``) results. mmdet2282_cascade_layout.json
holds mmdet's merged ``cfg.model`` and state-dict layout of the two full-size R50-FPN configs.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CASCADE, CONFIGS, load_weights, tiny_model_cfg, toy_batch
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                flip_aug_results, golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
CASCADE_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_cascade_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_cascade_layout.json')))
NAMES = sorted(CASCADE)


def _model(name):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    cfg['test_cfg']['rpn']['max_per_img'] = 300
    return load_weights(build_detector(cfg), GOLDEN['weights']['two_stage'], CASCADE_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', NAMES)
def test_config_and_state_dict_layout_match_mmdet(name):
    cfg = Config.fromfile(osp.join(CONFIGS, CASCADE[name]))
    assert json.loads(json.dumps(cfg.model.to_dict())) == LAYOUT['configs'][name]
    cfg.model.backbone.init_cfg = None
    layout = [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()]
    assert layout == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, CASCADE_GOLDEN['models'][name]['simple_test']):
        if name == 'cascade_mask_rcnn':
            _assert_dets_equal(mine[0], theirs[0])
            _assert_masks_equal(mine[1], theirs[1])
        else:
            assert sum(len(d) for d in mine) > 0
            _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_results_match_mmdet(name):
    mine = flip_aug_results(_model(name).eval())[0]
    theirs = CASCADE_GOLDEN['models'][name]['aug_test'][0]
    if name == 'cascade_mask_rcnn':
        _assert_dets_equal(mine[0], theirs[0])
        _assert_masks_equal(mine[1], theirs[1])
    else:
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    """Three stages, each sampling the previous stage's refined boxes: every logged value equals mmdet's."""
    log_vars = golden_training_log_vars(_model(name).train(), with_masks=name == 'cascade_mask_rcnn')
    assert_log_vars_match(log_vars, CASCADE_GOLDEN['models'][name]['log_vars'])


@pytest.mark.parametrize('name', NAMES)
def test_every_trainable_parameter_gets_a_gradient(name):
    torch.manual_seed(0)
    model = build_detector(tiny_model_cfg(name))
    model.init_weights()
    losses = model(**toy_batch(with_mask=name == 'cascade_mask_rcnn'))
    stage_keys = {k for k in losses if k.startswith('s')}
    per_stage = ['loss_cls', 'acc', 'loss_bbox'] + (['loss_mask'] if name == 'cascade_mask_rcnn' else [])
    assert stage_keys == {f's{i}.{k}' for i in range(3) for k in per_stage}
    loss, _ = model._parse_losses(losses)
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []


def test_stage_losses_are_weighted_and_accuracy_is_not():
    model = _model('cascade_rcnn').train()
    model.roi_head.stage_loss_weights = [1, 1, 1]
    torch.manual_seed(0)
    unweighted = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'],
                                     gt_labels=GOLDEN['gt_labels'])
    expected = CASCADE_GOLDEN['models']['cascade_rcnn']['log_vars']
    for key, weight in (('s1.loss_cls', 0.5), ('s2.loss_bbox', 0.25), ('s2.acc', 1.0)):
        assert unweighted[key].item() * weight == pytest.approx(expected[key], rel=1e-4, abs=1e-6)


def test_no_proposals_gives_empty_results():
    model = _model('cascade_mask_rcnn').eval()
    with torch.no_grad():
        x = model.extract_feat(GOLDEN['img'])
        results = model.roi_head.simple_test(x, [torch.zeros(0, 5), torch.zeros(0, 5)], _metas(), rescale=True)
    assert len(results) == 2
    for bbox, segm in results:
        assert [b.shape for b in bbox] == [(0, 5)] * 3 and segm == [[], [], []]


def test_regress_by_class_uses_the_labelled_class_and_keeps_the_image_index():
    from mmlite.models.roi_heads import BBoxHead
    head = BBoxHead(num_classes=3, in_channels=4, roi_feat_size=1)
    rois = torch.tensor([[1., 10., 10., 50., 40.], [1., 0., 0., 20., 20.]])
    deltas = torch.zeros(2, 12)
    deltas[0, 4:8] = torch.tensor([1., 0., 0., 0.])  # class 1 of roi 0 moves right by 0.1 * its width
    deltas[1, 8:12] = torch.tensor([0., 0., 1., 0.])  # class 2 of roi 1 widens
    out = head.regress_by_class(rois, torch.tensor([1, 2]), deltas, dict(img_shape=(100, 100, 3)))
    assert out[:, 0].tolist() == [1., 1.]
    assert out[0, 1:].tolist() == pytest.approx([14., 10., 54., 40.])
    assert out[1, 1:].tolist() == pytest.approx([0., 0., 10 + 10 * np.exp(0.2), 20.], abs=1e-4)  # clipped
    assert head.regress_by_class(rois[:, 1:], torch.tensor([0, 0]), deltas, dict(img_shape=(100, 100, 3))).equal(
        rois[:, 1:])
    with pytest.raises(ValueError, match=r'\(n, 4\) or \(n, 5\)'):
        head.regress_by_class(rois[:, :3], torch.tensor([0, 0]), deltas, dict(img_shape=(100, 100, 3)))


def test_refine_bboxes_drops_the_ground_truth_boxes_the_sampler_added():
    from mmlite.models.roi_heads import BBoxHead
    head = BBoxHead(num_classes=2, in_channels=4, roi_feat_size=1, reg_class_agnostic=True)
    rois = torch.tensor([[0., 0, 0, 10, 10], [0., 5, 5, 15, 15], [0., 1, 1, 9, 9], [1., 2, 2, 8, 8],
                         [1., 3, 3, 30, 30]])
    pos_is_gts = [torch.tensor([1, 0], dtype=torch.uint8), torch.tensor([0], dtype=torch.uint8)]
    metas = [dict(img_shape=(64, 64, 3))] * 2
    refined = head.refine_bboxes(rois, torch.zeros(5, dtype=torch.long), torch.zeros(5, 4), pos_is_gts, metas)
    assert [r.tolist() for r in refined] == [[[5., 5, 15, 15], [1., 1, 9, 9]], [[2., 2, 8, 8], [3., 3, 30, 30]]]


def _cascade_cfg(**roi_head):
    cfg = tiny_model_cfg('cascade_rcnn')
    cfg['roi_head'].update(roi_head)
    return cfg


@pytest.mark.parametrize('change, error, match', [
    (lambda c: c['roi_head'].update(bbox_head=c['roi_head']['bbox_head'][:2]), ValueError,
     'roi_head.bbox_head lists 2 configs but num_stages=3'),
    (lambda c: c['roi_head'].update(stage_loss_weights=[1, 0.5]), ValueError, 'stage_loss_weights has 2'),
    (lambda c: c['train_cfg'].update(rcnn=c['train_cfg']['rcnn'][0]), TypeError,
     'train_cfg.rcnn must be a list with one dict per cascade stage'),
    (lambda c: c['train_cfg']['rcnn'][1].update(pos_iou=0.6), KeyError, r'model.train_cfg.rcnn\[1\].pos_iou'),
    (lambda c: c['roi_head'].update(type='StandardRoIHead', bbox_head=c['roi_head']['bbox_head'][0],
                                    num_stages=None), TypeError, 'use type="CascadeRoIHead"'),
])
def test_config_mistakes_are_named(change, error, match):
    cfg = tiny_model_cfg('cascade_rcnn')
    change(cfg)
    if cfg['roi_head']['type'] == 'StandardRoIHead':
        for key in ('num_stages', 'stage_loss_weights'):
            cfg['roi_head'].pop(key)
    with pytest.raises(error, match=match):
        build_detector(cfg)


def test_show_result_takes_the_legacy_ensemble_dict():
    model = _model('cascade_rcnn').eval()
    img = np.zeros((96, 128, 3), dtype=np.uint8)
    boxes = [np.array([[10, 10, 60, 50, 0.9]], dtype=np.float32), np.zeros((0, 5), np.float32),
             np.zeros((0, 5), np.float32)]
    drawn = model.show_result(img, {'ensemble': boxes})
    assert drawn.shape == img.shape and drawn.any()
    assert np.array_equal(drawn, model.show_result(img, boxes))
