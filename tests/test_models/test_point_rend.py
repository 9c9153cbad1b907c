"""PointRend (PointRendRoIHead, CoarseMaskHead, MaskPointHead, SimpleRoIAlign): same configs, layouts, detections,
refined masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_point_rend_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
point_rend_r50_caffe_fpn_mstrain_1x_coco.py shrunk as in ``_tiny.py``: backbone, neck and RPN weights are those of
mmdet2282_tiny_golden.pth, the RoI heads' are random (float16); with mmdet's ``simple_test``, flip ``aug_test``,
``forward_train`` (``torch.manual_seed(0)``: the samplers' and the training points' draws) and the
subdivision refinement of given coarse masks (every 7th cell and the per-mask sums).
mmdet2282_point_rend_layout.json holds mmdet's merged configs and the full-size state-dict layouts.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.ops import SimpleRoIAlign, point_sample, roi_align

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                flip_aug_results, golden_training_log_vars, tie_order, tiny_golden_rcnn)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_point_rend_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_point_rend_layout.json')))


def _model():
    return tiny_golden_rcnn('point_rend', RECORDED['weights'], parts=('', ))  # every part but the recorded heads


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, name)) == LAYOUT['state_dicts'][name]


def test_detections_and_refined_masks_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, segm), (their_bbox, their_segm) in zip(results, RECORDED['model']['simple_test']):
        assert sum(len(d) for d in bbox) > 0
        _assert_dets_equal(bbox, their_bbox)
        _assert_masks_equal(segm, their_segm)


def test_subdivision_refinement_matches_mmdet():
    model = _model().eval()
    case = RECORDED['model']['refine']
    with torch.no_grad():
        feats = model.extract_feat(GOLDEN['img'][:1])
        refined = model.roi_head._mask_point_forward_test(feats, case['rois'], case['labels'], case['coarse'],
                                                          [_metas()[0]])
    assert list(refined.shape) == case['shape'] == [6, 3, 224, 224]
    torch.testing.assert_close(refined[:, :, ::7, ::7], case['every_7th'], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(refined.double().sum((2, 3)), case['sums'], rtol=1e-5, atol=1e-2)


def test_flip_augmented_results_match_mmdet():
    (bbox, segm), = flip_aug_results(_model().eval())
    their_bbox, their_segm = tie_order(*RECORDED['model']['aug_test'][0])
    bbox, segm = tie_order(bbox, segm)
    _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
    _assert_masks_equal(segm, their_segm)


def test_training_losses_match_mmdet():
    model = _model().train()
    assert_log_vars_match(golden_training_log_vars(model, with_masks=True), RECORDED['model']['log_vars'])


def test_point_loss_trains_the_point_head_and_is_zero_without_positives():
    model = _model().train()
    masks = [BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']]
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'],
                                 gt_masks=masks)
    losses['loss_point'].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.roi_head.point_head.parameters())
    no_boxes = [torch.zeros(0, 4), torch.zeros(0, 4)]
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=no_boxes,
                                 gt_labels=[torch.zeros(0, dtype=torch.long)] * 2,
                                 gt_masks=[BitmapMasks(np.zeros((0, 96, 128), np.uint8), 96, 128)] * 2)
    assert float(losses["loss_point"]) == 0 and float(losses["loss_mask"]) == 0  # mmdet: a RuntimeError


def test_simple_roi_align_samples_bin_centres():
    """One bilinear sample at each bin centre equals RoIAlign with one sample per bin, whatever the RoI order."""
    feats = torch.randn(2, 4, 24, 32, generator=torch.Generator().manual_seed(0))
    rois = torch.tensor([[1, 3., 5, 40, 30], [0, 0, 0, 63, 47], [1, 10, 2, 20, 44.5], [0, 7.5, 9, 8.5, 12]])
    layer = SimpleRoIAlign(output_size=(3, 5), spatial_scale=0.5)
    expected = roi_align(feats, rois, (3, 5), spatial_scale=0.5, sampling_ratio=1, aligned=True)
    torch.testing.assert_close(layer(feats, rois), expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(point_sample(feats, torch.tensor([[[0.5, 0.5]]]).expand(2, 1, 2))[..., 0],
                               feats[:, :, 11:13, 15:17].mean((2, 3)))
