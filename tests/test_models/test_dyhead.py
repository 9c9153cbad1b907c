"""ATSS with DyHead blocks: same configs, layouts, detections and losses as mmdet 2.28.2 (the pytorch-style
config with zero-initialised offsets and the caffe-style one with 1x1 predictors and centred anchors).

tests/data/mmdet2282_dyhead_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
two R-50 dyhead/ configs shrunk as in ``_tiny.py`` (two 32-channel blocks): backbone weights are those of
mmdet2282_tiny_golden.pth, the rest random (stored in float16; offset convs small); with ``simple_test``, flip
``aug_test`` and ``forward_train`` (also with the second image's objects removed).
mmdet2282_dyhead_layout.json holds mmdet's merged dyhead/ configs and the R-50 and Swin-L layouts.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models.necks.dyhead import DyHead, _leading_view
from mmlite.models.utils import DyReLU

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
DH_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_dyhead_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_dyhead_layout.json')))
NAMES = ('atss_dyhead', 'atss_dyhead_caffe')


def _model(name):
    return tiny_golden_model(name, DH_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'dyhead', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'dyhead', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, DH_GOLDEN['models'][name]['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[0]) > 0
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], DH_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_losses_match_mmdet(name):
    assert_log_vars_match(golden_training_log_vars(_model(name).train()), DH_GOLDEN['models'][name]['log_vars'])


@pytest.mark.parametrize('name', NAMES)
def test_losses_with_an_image_without_objects_match_mmdet(name):
    model = _model(name).train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], DH_GOLDEN['models'][name]['log_vars_one_empty'])


def test_coarser_level_reads_the_leading_block_of_the_offsets():
    offset = torch.arange(2 * 3 * 4 * 6.).view(2, 3, 4, 6)
    mask = torch.arange(2 * 1 * 4 * 6.).view(2, 1, 4, 6)
    view, mask_view = _leading_view(offset, mask, (2, 3))
    assert view.shape == (2, 3, 2, 3) and mask_view.shape == (2, 1, 2, 3)
    assert view[1].flatten().tolist() == offset[1].flatten()[:18].tolist()


def test_zero_init_offset_and_init_cfg():
    neck = DyHead(8, 16, num_blocks=1)
    assert neck.dyhead_blocks[0].spatial_conv_offset.weight.abs().sum() == 0
    random_offsets = DyHead(8, 16, num_blocks=1, zero_init_offset=False)
    assert random_offsets.dyhead_blocks[0].spatial_conv_offset.weight.abs().sum() > 0
    with pytest.raises(ValueError, match='remove its init_cfg'):
        DyHead(8, 16, init_cfg=dict(type='Normal'))


def test_dyrelu_starts_near_a_relu_when_its_coefficients_vanish():
    relu = DyReLU(8)
    with torch.no_grad():
        for conv in (relu.conv1.conv, relu.conv2.conv):
            conv.weight.zero_()
            conv.bias.zero_()
    x = torch.randn(2, 8, 3, 3)
    # hsigmoid(0) = 0.5 -> coefficients 0: a1 = 1, b1 = 0, a2 = 0, b2 = 0
    torch.testing.assert_close(relu(x), x.clamp(min=0))
