"""PAA: same configs, layout, detections (with and without score voting) and losses as mmdet 2.28.2, and the
Gaussian mixture against scikit-learn's.

tests/data/mmdet2282_paa_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, scikit-learn
1.9.1, CPU) on paa_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with ``simple_test`` and
``forward_train`` (also with the second image's objects removed, and with the 'tied' mixture), plus
scikit-learn's ``GaussianMixture`` from PAA's start on float32 samples of each covariance type.
mmdet2282_paa_layout.json holds mmdet's merged paa/ configs and the R-50 layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.utils.gaussian_mixture import TwoGaussianMixture
from mmlite.models.dense_heads.paa_head import levels_to_images

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, golden_training_log_vars,
                                tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
PAA_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_paa_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_paa_layout.json')))
EXPECTED = PAA_GOLDEN['models']['paa']


def _model():
    return tiny_golden_model('paa', PAA_GOLDEN['weights']['paa'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'paa', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'paa', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('voting', [True, False])
def test_detections_match_mmdet(voting):
    model = _model().eval()
    model.bbox_head.with_score_voting = voting
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, EXPECTED['simple_test' if voting else 'simple_test_no_voting']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[1]) > 0


@pytest.mark.parametrize('key, covariance_type', [('log_vars', 'diag'), ('log_vars_tied', 'tied')])
def test_losses_match_mmdet(key, covariance_type):
    model = _model().train()
    model.bbox_head.covariance_type = covariance_type
    assert_log_vars_match(golden_training_log_vars(model), EXPECTED[key])


def test_losses_with_an_image_without_objects_match_mmdet():
    model = _model().train()
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], EXPECTED['log_vars_one_empty'])


def test_losses_without_any_object_are_zero_box_terms():
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), [torch.zeros((0, 4))] * 2,
                                 [torch.zeros((0, ), dtype=torch.long)] * 2)
    assert losses['loss_bbox'] == 0 and losses['loss_iou'] == 0 and losses['loss_cls'] > 0
    sum(losses.values()).backward()


@pytest.mark.parametrize('case', PAA_GOLDEN['gmm'], ids=lambda c: f"{c['covariance_type']}-{len(c['values'])}")
def test_gaussian_mixture_matches_scikit_learn(case):
    values = np.array(case['values'], dtype=np.float32).reshape(-1, 1)
    gmm = TwoGaussianMixture(case['covariance_type']).fit(values)
    assert gmm.n_iter == case['n_iter']
    assert gmm.predict(values).tolist() == case['predict']
    # diag and spherical follow scikit-learn's float64 arithmetic (sums in another order); it keeps full and
    # tied in float32
    tolerance = 1e-6 if case['covariance_type'] in ('diag', 'spherical') else 1e-4
    np.testing.assert_allclose(gmm.score_samples(values), case['score_samples'], rtol=tolerance, atol=tolerance)


def test_gaussian_mixture_separates_two_clusters_and_checks_its_input():
    values = np.array([0.1, 0.12, 0.15, 0.11, 2.0, 2.2, 2.1], dtype=np.float32)
    assert TwoGaussianMixture().fit(values).predict(values).tolist() == [0, 0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match='at least 2 values'):
        TwoGaussianMixture().fit(np.ones(1))
    with pytest.raises(ValueError, match='covariance_type must be one of'):
        TwoGaussianMixture('banded')


def test_separation_keeps_the_low_loss_component_up_to_its_most_likely_candidate():
    head = _model().bbox_head
    candidates = torch.tensor([7, 3, 9, 4, 8])  # sorted by loss
    pos, ignored = head.gmm_separation_scheme(torch.tensor([0, 0, 0, 1, 1]), torch.tensor([-1., 0.5, -0.2, 0., 0.]),
                                              candidates)
    assert pos.tolist() == [7, 3] and ignored.numel() == 0
    pos, _ = head.gmm_separation_scheme(torch.tensor([1, 1, 1, 1, 1]), torch.zeros(5), candidates)
    assert pos.numel() == 0


def test_score_voting_averages_overlapping_candidates_of_the_class():
    head = _model().bbox_head
    det = torch.tensor([[0., 0., 10., 10., 0.9]])
    candidates = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 12.], [50., 50., 60., 60.]])
    scores = torch.tensor([[0.9, 0., 0., 0.], [0.8, 0., 0., 0.], [0.7, 0., 0., 0.]])
    voted, labels = head.score_voting(det, torch.tensor([0]), candidates, scores, 0.05)
    iou = 100 / 120
    weight = np.exp(-(1 - iou)**2 / 0.025) * 0.8
    expected_y2 = (0.9 * 10 + weight * 12) / (0.9 + weight)  # the far box does not vote
    torch.testing.assert_close(voted, torch.tensor([[0., 0., 10., expected_y2, 0.9]], dtype=torch.float32))
    assert labels.tolist() == [0]


def test_levels_to_images_orders_rows_by_level_then_position():
    levels = [torch.arange(2 * 3 * 4.).view(2, 3, 2, 2), torch.arange(2 * 3 * 1.).view(2, 3, 1, 1) + 100]
    rows = levels_to_images(levels)
    assert [r.shape for r in rows] == [(5, 3), (5, 3)]
    assert rows[1][0].tolist() == [12., 16., 20.] and rows[1][4].tolist() == [103., 104., 105.]


def test_test_time_augmentation_is_a_clear_error():
    model = _model().eval()
    img, meta = GOLDEN['img'][:1], _metas()[0]
    with pytest.raises(NotImplementedError, match='no test-time augmentation'):
        model.aug_test([img, img.flip(-1)], [[dict(meta)], [dict(meta, flip=True)]])
