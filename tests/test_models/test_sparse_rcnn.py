"""Sparse R-CNN (EmbeddingRPNHead, SparseRoIHead, DIIHead, DynamicConv, HungarianAssigner with its match costs):
same configs, layout, detections and losses as mmdet 2.28.2; the matching against brute force.

tests/data/mmdet2282_sparse_rcnn_golden.pth was written by mmdet 2.28.2 (CPU; scipy's linear_sum_assignment) on
sparse_rcnn_r50_fpn_1x_coco.py shrunk as in ``_tiny.py`` (20 proposals of 16 channels, 6 stages): backbone and
neck weights of mmdet2282_tiny_golden.pth, the rest random (float16; proposal boxes inside the image);
``simple_test`` results and ``forward_train`` losses, also with an image without objects.
mmdet2282_sparse_rcnn_layout.json: the sparse_rcnn/ configs merged and the full-size layout.
"""
import itertools
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.bbox import HungarianAssigner, linear_sum_assignment

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tie_order, tiny_golden_rcnn

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_sparse_rcnn_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_sparse_rcnn_layout.json')))


def _model():
    return tiny_golden_rcnn('sparse_rcnn', RECORDED['weights'], parts=('backbone.', 'neck.'))


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'sparse_rcnn', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'sparse_rcnn', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, RECORDED['model']['simple_test']):
        assert sum(len(d) for d in mine) == 20
        mine, _ = tie_order(mine)
        theirs, _ = tie_order(theirs)
        _assert_dets_equal([d.numpy() for d in mine], theirs)


def test_training_losses_match_mmdet():
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['log_vars'])
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=[GOLDEN['gt_bboxes'][0], torch.zeros(0, 4)],
                                 gt_labels=[GOLDEN['gt_labels'][0], torch.zeros(0, dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['empty_log_vars'])


def _brute_force_minimum(cost: np.ndarray) -> float:
    n, m = cost.shape
    if n <= m:
        return min(cost[list(range(n)), list(cols)].sum() for cols in itertools.permutations(range(m), n))
    return min(cost[list(rows), list(range(m))].sum() for rows in itertools.permutations(range(n), m))


@pytest.mark.parametrize('shape', [(3, 7), (7, 3), (5, 5), (1, 4), (4, 1)])
def test_linear_sum_assignment_is_optimal(shape):
    rng = np.random.RandomState(sum(shape))
    for _ in range(20):
        cost = rng.randn(*shape)
        rows, cols = linear_sum_assignment(cost)
        assert len(rows) == min(shape) and len(set(cols)) == len(cols) and (np.diff(rows) > 0).all()
        assert cost[rows, cols].sum() == pytest.approx(_brute_force_minimum(cost))
    with pytest.raises(ValueError, match='non-finite'):
        linear_sum_assignment(np.array([[1.0, np.nan]]))


def test_hungarian_assigner_matches_each_ground_truth_once():
    assigner = HungarianAssigner(cls_cost=dict(type='FocalLossCost', weight=2.0),
                                 reg_cost=dict(type='BBoxL1Cost', weight=5.0),
                                 iou_cost=dict(type='IoUCost', iou_mode='giou', weight=2.0))
    gt = torch.tensor([[10., 10, 50, 40], [60, 20, 100, 80]])
    preds = torch.tensor([[0.5, 0.5, 0.2, 0.2], [0.25, 0.25, 0.33, 0.3], [0.62, 0.5, 0.33, 0.6]])
    result = assigner.assign(preds, torch.zeros(3, 3), gt, torch.tensor([2, 0]), dict(img_shape=(100, 120, 3)))
    assert result.gt_inds.tolist() == [0, 1, 2] and result.labels.tolist() == [-1, 2, 0]
    empty = assigner.assign(preds, torch.zeros(3, 3), gt[:0], torch.zeros(0, dtype=torch.long),
                            dict(img_shape=(100, 120, 3)))
    assert empty.gt_inds.tolist() == [0, 0, 0]
