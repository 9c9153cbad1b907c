"""GRoIE (``GenericRoIExtractor``): same configs, layouts, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_groie_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the tiny
Faster and Mask R-CNN of ``_tiny.py`` whose RoI extractors are replaced by ``_groie`` (5x5 ConvModule before the
sum over levels, a '0100' GeneralizedAttention after it): the other weights are those of
mmdet2282_tiny_golden.pth, the extractors' random (float16); with mmdet's ``simple_test``, flip ``aug_test`` and
``forward_train`` (``torch.manual_seed(0)``) results. mmdet2282_groie_layout.json holds mmdet's merged model
configs of groie/faster_rcnn_r50_fpn_groie_1x_coco.py and mask_rcnn_r50_fpn_groie_1x_coco.py and their
full-size state-dict layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector, build_roi_extractor

from ._tiny import CONFIGS, WIDTH, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                flip_aug_results, golden_training_log_vars, tie_order)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
GROIE_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_groie_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_groie_layout.json')))
NAMES = ['faster_rcnn', 'mask_rcnn']


def _groie(output_size: int) -> dict:
    return dict(type='GenericRoIExtractor', aggregation='sum',
                roi_layer=dict(type='RoIAlign', output_size=output_size, sampling_ratio=2), out_channels=WIDTH,
                featmap_strides=[4, 8, 16, 32],
                pre_cfg=dict(type='ConvModule', in_channels=WIDTH, out_channels=WIDTH, kernel_size=5, padding=2,
                             inplace=False),
                post_cfg=dict(type='GeneralizedAttention', in_channels=WIDTH, spatial_range=-1, num_heads=2,
                              attention_type='0100', kv_stride=2))


def _model(name):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    cfg['test_cfg']['rpn']['max_per_img'] = 300
    cfg['roi_head']['bbox_roi_extractor'] = _groie(7)
    if name == 'mask_rcnn':
        cfg['roi_head']['mask_roi_extractor'] = _groie(14)
    return load_weights(build_detector(cfg), GOLDEN['weights']['two_stage'], GROIE_GOLDEN['weights'][name])


def _assert_equal_up_to_ties(name, mine, theirs):
    """Detections (and masks) equal, boxes with equal scores in either order (boxes clipped at the border share
    scores here)."""
    mine, theirs = (mine, theirs) if name == 'mask_rcnn' else ((mine, None), (theirs, None))
    (bbox, segm), (their_bbox, their_segm) = tie_order(*mine), tie_order(*theirs)
    assert sum(len(d) for d in bbox) > 0
    _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
    if segm is not None:
        _assert_masks_equal(segm, their_segm)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_and_layouts_match_mmdet(name):
    path = osp.join(CONFIGS, 'groie', name)
    assert merged_config(path, ('model', ))['model'] == LAYOUT['configs'][name]
    assert full_size_layout(path) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, GROIE_GOLDEN['models'][name]['simple_test']):
        _assert_equal_up_to_ties(name, mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_results_match_mmdet(name):
    theirs = GROIE_GOLDEN['models'][name]['aug_test'][0]
    _assert_equal_up_to_ties(name, flip_aug_results(_model(name).eval())[0], theirs)


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    log_vars = golden_training_log_vars(_model(name).train(), with_masks=name == 'mask_rcnn')
    assert_log_vars_match(log_vars, GROIE_GOLDEN['models'][name]['log_vars'])


def test_concat_aggregation_and_mistakes():
    feats = [torch.randn(1, 2, 16, 16), torch.randn(1, 2, 8, 8)]
    rois = torch.tensor([[0., 2., 2., 20., 30.]])
    extractor = build_roi_extractor(dict(type='GenericRoIExtractor', aggregation='concat', out_channels=4,
                                         roi_layer=dict(type='RoIAlign', output_size=3, sampling_ratio=2),
                                         featmap_strides=[4, 8]))
    out = extractor(feats, rois)
    torch.testing.assert_close(out[:, :2], extractor.roi_layers[0](feats[0], rois))
    torch.testing.assert_close(out[:, 2:], extractor.roi_layers[1](feats[1], rois))
    assert extractor(feats, rois[:0]).shape == (0, 4, 3, 3)
    with pytest.raises(ValueError, match="aggregation must be one of \\('sum', 'concat'\\)"):
        build_roi_extractor(dict(_groie(7), aggregation='max'))
    wrong = build_roi_extractor(dict(type='GenericRoIExtractor', aggregation='concat', out_channels=6,
                                     featmap_strides=[4, 8], roi_layer=dict(type='RoIAlign', output_size=3)))
    with pytest.raises(ValueError, match='4 channels but out_channels=6'):
        wrong(feats, rois)
