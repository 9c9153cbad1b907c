"""QueryInst (Sparse R-CNN with DynamicMaskHead): same configs, layout, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_queryinst_golden.pth was written by mmdet 2.28.2 (CPU) on queryinst_r50_fpn_1x_coco.py shrunk as
in ``_tiny.py`` (20 proposals of 16 channels, 6 stages, mask heads at 16 channels): backbone and neck weights of
mmdet2282_tiny_golden.pth, the rest random (float16); ``simple_test`` results and ``forward_train`` losses.
mmdet 2.28.2 picked every image's masks with the last image's top-k indices; its masks are compared for the last
image only (here each image uses its own). mmdet2282_queryinst_layout.json: the queryinst/ configs merged and the
full-size layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.mask import BitmapMasks

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                tie_order, tiny_golden_rcnn)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_queryinst_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_queryinst_layout.json')))


def _model():
    return tiny_golden_rcnn('queryinst', RECORDED['weights'], parts=('backbone.', 'neck.'))


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'queryinst', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'queryinst', name)) == LAYOUT['state_dicts'][name]


def test_detections_and_masks_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for i, ((bbox, segm), (their_bbox, their_segm)) in enumerate(zip(results, RECORDED['model']['simple_test'])):
        assert sum(len(d) for d in bbox) == sum(len(m) for m in segm) == 20
        (bbox, segm), (their_bbox, their_segm) = tie_order(bbox, segm), tie_order(their_bbox, their_segm)
        _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
        if i == len(results) - 1:
            _assert_masks_equal(segm, their_segm)


def test_training_losses_match_mmdet():
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'],
                                 gt_masks=[BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['log_vars'])


def test_each_image_gets_its_own_masks():
    """A batch gives each image the masks it gets alone (mmdet used the last image's indices for all)."""
    model = _model().eval()
    with torch.no_grad():
        (_, batch_segm), _ = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
        (_, alone_segm), = model.simple_test(GOLDEN['img'][:1], _metas()[:1], rescale=True)
    for batch_masks, alone_masks in zip(batch_segm, alone_segm):
        assert len(batch_masks) == len(alone_masks)
        for a, b in zip(batch_masks, alone_masks):
            assert (a != b).sum() <= 3
