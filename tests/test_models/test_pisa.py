"""PISA (prime-sample attention): same configs, negative sampling and weighting, positive reweighting and CARL
losses as mmdet 2.28.2.

tests/data/mmdet2282_pisa_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU): the merged
pisa/ configs (and the SSD512, Faster R-CNN / RetinaNet X-101 bases); ``forward_train`` log values of the
shipped PISA Faster/Mask R-CNN and RetinaNet R-50 configs shrunk as in ``_tiny.py`` with the weights of
mmdet2282_tiny_golden.pth (sampling drawn after ``torch.manual_seed(0)``), and of PISA SSD300 with 3 classes and
weights drawn as in ``_random_weights.randomized_detector`` (seed 2290; inputs as test_ssd.py's); and mmcv's
``nms_match`` groups of 60 random boxes (with a duplicate) at three thresholds.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.bbox import AssignResult, ScoreHLRSampler
from mmlite.models import build_detector
from mmlite.models.losses import carl_loss
from mmlite.ops import nms_match

from ._random_weights import randomized_detector
from ._tiny import CONFIGS, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, assert_log_vars_match, golden_training_log_vars

PISA_GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_pisa_golden.pth'),
                         weights_only=True)
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'custom_hooks')


def _model(name):
    model = build_detector(tiny_model_cfg(name))
    source = GOLDEN['weights']['retinanet' if 'retina' in name else 'two_stage']
    own = model.state_dict()
    model.load_state_dict({k: source[k].to(own[k].dtype) for k in own}, strict=True)
    return model


@pytest.mark.parametrize('name', sorted(PISA_GOLDEN['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'pisa', name), KEYS) == PISA_GOLDEN['configs'][name]


@pytest.mark.parametrize('name', ['pisa_faster', 'pisa_mask', 'pisa_retinanet'])
def test_training_losses_match_mmdet(name):
    log_vars = golden_training_log_vars(_model(name).train(), with_masks=name == 'pisa_mask')
    assert 'loss_carl' in log_vars
    assert_log_vars_match(log_vars, PISA_GOLDEN['log_vars'][name])


def test_ssd_losses_match_mmdet():
    model, generator = randomized_detector(osp.join(CONFIGS, 'pisa', 'pisa_ssd300_coco.py'), 2290)
    img = torch.randn(2, 3, 300, 300, generator=generator) * 50
    metas = [dict(meta, img_shape=(300, 300, 3), pad_shape=(300, 300, 3), ori_shape=(300, 300, 3),
                  scale_factor=np.ones(4, dtype=np.float32)) for meta in GOLDEN['metas']]
    losses = model.train().forward_train(img, metas, gt_bboxes=[b * 2.3 for b in GOLDEN['gt_bboxes']],
                                         gt_labels=GOLDEN['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], PISA_GOLDEN['log_vars']['pisa_ssd300'])


@pytest.mark.parametrize('threshold', ['0.3', '0.5', '0.7'])
def test_nms_match_groups_match_mmcv(threshold):
    dets = PISA_GOLDEN['nms_match']['dets']
    groups = nms_match(dets, float(threshold))
    expected = PISA_GOLDEN['nms_match']['groups'][threshold]
    assert [g.tolist() for g in groups] == [g.tolist() for g in expected]
    assert sorted(int(i) for g in groups for i in g) == list(range(len(dets)))  # a partition
    assert [a.tolist() for a in nms_match(dets.numpy(), float(threshold))] == [g.tolist() for g in expected]
    assert nms_match(dets[:0], 0.5) == []


def test_score_hlr_sampler_weights_the_negatives():
    """Negatives ranked by score-HLR come with weights that keep their summed loss; positives are random."""
    model = _model('pisa_faster')
    sampler = model.roi_head.bbox_sampler
    assert isinstance(sampler, ScoreHLRSampler)
    x = model.extract_feat(GOLDEN['img'][:1])
    proposals = torch.tensor([[10., 10., 50., 50.], [12., 8., 52., 48.], [60., 20., 100., 70.], [5., 60., 40., 90.],
                              [70., 50., 120., 90.], [0., 0., 30., 30.]] * 4) + torch.arange(24.)[:, None] * 0.5
    gt = torch.tensor([[10., 10., 50., 50.]])
    assign = model.roi_head.bbox_assigner.assign(proposals, gt, None, torch.tensor([1]))
    torch.manual_seed(0)
    result, weights = sampler.sample(assign, proposals, gt, torch.tensor([1]), feats=[level[:1] for level in x])
    assert len(weights) == len(result.neg_inds) > 0 and (weights > 0).all()
    assert (assign.gt_inds[result.neg_inds] == 0).all() and (assign.gt_inds[result.pos_inds] > 0).all()


def test_score_hlr_sampler_without_negatives():
    model = _model('pisa_faster')
    assign = AssignResult(1, torch.tensor([1, 1]), torch.ones(2), labels=torch.tensor([0, 0]))
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
    result, weights = model.roi_head.bbox_sampler.sample(assign, boxes, boxes[:1], torch.tensor([0]))
    assert weights is None and len(result.neg_inds) == 0 and len(result.pos_inds) == 3  # with the gt


def test_carl_loss_gradient_reaches_the_classifier():
    cls_score = torch.tensor([[2., 0., -1., 0.], [0., 1., 0., 0.], [0., 0., 0., 3.]], requires_grad=True)
    labels = torch.tensor([0, 1, 3])  # the last is background (3 classes)
    bbox_pred = torch.randn(3, 4, requires_grad=True)
    from mmlite.models.losses import SmoothL1Loss
    loss = carl_loss(cls_score, labels, bbox_pred, torch.zeros(3, 4), SmoothL1Loss(beta=1.), num_class=3)['loss_carl']
    assert loss.shape == (1, ) and loss > 0
    loss.sum().backward()
    assert cls_score.grad[:2].abs().sum() > 0 and bbox_pred.grad[2].abs().sum() == 0
    empty = carl_loss(cls_score, torch.tensor([3, 3, 3]), bbox_pred, torch.zeros(3, 4), SmoothL1Loss(), num_class=3)
    assert empty['loss_carl'].item() == 0
