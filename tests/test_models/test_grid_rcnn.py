"""Grid R-CNN: same configs, layout, grid targets, detections and losses as mmdet 2.28.2 (boxes clipped).

tests/data/mmdet2282_grid_rcnn_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
grid_rcnn_r50_fpn_gn-head_1x_coco.py shrunk as in ``_tiny.py`` (a 2-conv grid trunk of 8 channels per point):
backbone weights are those of mmdet2282_tiny_golden.pth, the rest random (stored in float16); with
``simple_test`` (as mmdet returns it, and with its ``GridHead.get_bboxes`` clipping the boxes to the image as
intended: mmdet clamped a copy), flip ``aug_test``, ``forward_train`` (jitter and grid sampling drawn after
``torch.manual_seed(0)``) and ``GridHead.get_targets`` on crafted RoIs. mmdet2282_grid_rcnn_layout.json holds
mmdet's merged grid_rcnn/ configs and the R-50 layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_detector
from mmlite.utils import ConfigDict

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
GRID_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_grid_rcnn_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_grid_rcnn_layout.json')))


def _model():
    return tiny_golden_model('grid_rcnn', GRID_GOLDEN['weights'])


class _Positives:
    def __init__(self, pos_bboxes, pos_gt_bboxes):
        self.pos_bboxes, self.pos_gt_bboxes = pos_bboxes, pos_gt_bboxes


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'grid_rcnn', name)) == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    name = 'grid_rcnn_r50_fpn_gn-head_2x_coco.py'
    assert full_size_layout(osp.join(CONFIGS, 'grid_rcnn', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet_with_boxes_clipped():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    outside = []
    for mine, theirs, unclipped, meta in zip(results, GRID_GOLDEN['model']['simple_test'],
                                             GRID_GOLDEN['model']['simple_test_mmdet'], _metas()):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)
        height, width = (torch.tensor(meta['img_shape'][:2]) / float(meta['scale_factor'][0])).tolist()
        limits = torch.tensor([width, height, width, height]) + 1e-3
        assert all(((torch.as_tensor(d[:, :4]) >= 0) & (torch.as_tensor(d[:, :4]) <= limits)).all() for d in mine)
        outside += [((d[:, :4] < 0) | (d[:, :4] > limits)).any() for d in unclipped]
    assert any(outside)  # mmdet's boxes could leave the image


def test_flip_augmented_detections_match_mmdet():
    _assert_dets_equal(flip_aug_results(_model().eval())[0], GRID_GOLDEN['model']['aug_test'][0])


def test_training_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), GRID_GOLDEN['model']['log_vars'])


@pytest.mark.parametrize('radius, key', [(1, 'grid_targets'), (2, 'grid_targets_r2')])
def test_grid_targets_match_mmdet(radius, key):
    """Disks around the gt's grid points on each RoI's extended map, cut to the points' sub-regions; a RoI too
    small for the grid gets none."""
    crafted = GRID_GOLDEN['model']['grid_targets']
    expected = crafted['targets'] if radius == 1 else GRID_GOLDEN['model'][key]
    targets = _model().roi_head.grid_head.get_targets(
        [_Positives(r, g) for r, g in zip(crafted['rois'], crafted['gts'])], ConfigDict(pos_radius=radius))
    assert targets.dtype == torch.float32 and torch.equal(targets.bool(), expected) and targets.sum() > 0


def test_grid_targets_skip_rois_too_small_for_the_grid():
    head = _model().roi_head.grid_head
    rois, gts = torch.tensor([[10., 10., 11., 40.], [10., 10., 40., 40.]]), torch.tensor([[10., 10., 12., 40.]] * 2)
    targets = head.get_targets([_Positives(rois, gts)], ConfigDict(pos_radius=1))
    assert targets[0].sum() == 0 and targets[1].sum() > 0  # extended width 2 <= grid_size 3: no targets


def test_grid_head_rejects_bad_geometry():
    cfg = tiny_model_cfg('grid_rcnn')
    cfg['roi_head']['grid_head']['grid_points'] = 8
    with pytest.raises(ValueError, match='square number'):
        build_detector(cfg)
    cfg['roi_head']['grid_head'].update(grid_points=9, point_feat_channels=5)
    with pytest.raises(ValueError, match='num_groups'):
        build_detector(cfg)
