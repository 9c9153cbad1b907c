"""Mask2Former: same configs, layout, panoptic maps, instance results and losses as mmdet 2.28.2.

tests/data/mmdet2282_mask2former_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
shipped mask2former_r50_lsj_8x2_50e_coco-panoptic.py shrunk as in ``_tiny.tiny_mask2former_cfg`` (test_cfg as
recorded), with weights drawn as for tests/test_models/test_maskformer.py (queries and their features scaled up);
with its rescaled ``simple_test``, the training logs (``torch.manual_seed(0)``: the matching and loss points are
random) with the recorded semantic map and with an image without targets, and the instance-only variant (no stuff
classes: mmdet's detection format). mmdet2282_mask2former_layout.json holds mmdet's merged mask2former/ configs
(11, with their evaluation/checkpoint/log settings) and the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core import BitmapMasks
from mmlite.models import build_detector

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_mask2former_cfg
from .test_maskformer import _metas_with_batch_shape, _unpack, log_vars_without_targets_in_one_image
from .test_mmdet_golden import GOLDEN, assert_log_vars_match

DATA = osp.join(osp.dirname(__file__), '..', 'data')
M2F_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_mask2former_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_mask2former_layout.json')))
BACKBONE = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}


def _model(instance_only: bool = False):
    cfg = tiny_mask2former_cfg()
    cfg['test_cfg'].update(M2F_GOLDEN['test_cfg'])
    if not instance_only:
        return load_weights(build_detector(cfg), BACKBONE, M2F_GOLDEN['weights'])
    cfg['panoptic_head'].update(num_stuff_classes=0)
    cfg['panoptic_head']['loss_cls']['class_weight'] = [1.0] * 3 + [0.1]
    cfg['panoptic_fusion_head']['num_stuff_classes'] = 0
    cfg['test_cfg']['panoptic_on'] = False
    return load_weights(build_detector(cfg), BACKBONE, M2F_GOLDEN['ins_only_weights'])


def _assert_instances_equal(bbox, segm, theirs):
    assert sum(len(b) for b in bbox) > 0
    for label, (boxes, their_boxes) in enumerate(zip(bbox, theirs['bbox'])):
        order, their_order = np.argsort(-boxes[:, 4], kind='stable'), np.argsort(-their_boxes[:, 4].numpy())
        np.testing.assert_allclose(boxes[order], their_boxes.numpy()[their_order], rtol=1e-4, atol=1e-5)
        for i, j in zip(order, their_order):
            np.testing.assert_array_equal(segm[label][i], _unpack(theirs['segm'][label][j], segm[label][i].shape[-1]))


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    keys = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'total_epochs', 'evaluation',
            'checkpoint_config', 'log_config', 'workflow')
    assert merged_config(osp.join(CONFIGS, name), keys) == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    path = osp.join(CONFIGS, 'mask2former/mask2former_r50_lsj_8x2_50e_coco-panoptic.py')
    assert full_size_layout(path) == LAYOUT['layout']


def test_panoptic_and_instance_results_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas_with_batch_shape(), rescale=True)
    for result, pan, ins in zip(results, M2F_GOLDEN['pan'], M2F_GOLDEN['ins']):
        assert len(np.unique(result['pan_results'])) >= 5
        np.testing.assert_array_equal(result['pan_results'], pan.numpy())
        _assert_instances_equal(*result['ins_results'], ins)


def test_instance_only_model_returns_the_detection_format_of_mmdet():
    with torch.no_grad():
        results = _model(instance_only=True).eval().simple_test(GOLDEN['img'], _metas_with_batch_shape(), rescale=True)
    for (bbox, segm), theirs in zip(results, M2F_GOLDEN['ins_only']):
        _assert_instances_equal(bbox, segm, theirs)


def test_training_losses_match_mmdet():
    """The matching points and the uncertainty-chosen loss points are drawn as mmdet draws them."""
    model = _model().train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas_with_batch_shape(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'],
                                 [BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']],
                                 gt_semantic_seg=M2F_GOLDEN['semantic_seg'].long())
    loss, log_vars = model._parse_losses(losses)
    assert_log_vars_match(log_vars, M2F_GOLDEN['log_vars'])
    loss.backward()
    assert all(p.grad is not None for p in model.panoptic_head.parameters() if p.requires_grad)


def test_an_image_without_targets_trains_and_matches_mmdet():
    log_vars = log_vars_without_targets_in_one_image(_model().train(), M2F_GOLDEN['semantic_seg'])
    assert_log_vars_match(log_vars, M2F_GOLDEN['log_vars_empty'])


def test_pixel_decoder_levels_must_match_the_decoder():
    cfg = tiny_mask2former_cfg()
    cfg['panoptic_head']['num_transformer_feat_level'] = 2
    with pytest.raises(ValueError, match='encodes 3 levels but num_transformer_feat_level is 2'):
        build_detector(cfg)
