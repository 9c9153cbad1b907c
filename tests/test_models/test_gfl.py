"""GFL's parts: the two generalized focal losses, the integral over distance bins, the head's checks (golden
comparisons with mmdet 2.28.2 are in test_single_stage_golden.py)."""
import math

import pytest
import torch

from mmlite.models import build_detector
from mmlite.models.dense_heads.gfl_head import Integral
from mmlite.models.losses import DistributionFocalLoss, QualityFocalLoss

from ._tiny import tiny_model_cfg, toy_batch

LOG2 = math.log(2)


def test_quality_focal_loss_pulls_the_own_class_to_the_quality_and_the_others_to_zero():
    qfl = QualityFocalLoss(reduction='none')
    logits = torch.zeros(3, 2)  # every probability 0.5
    labels, scores = torch.tensor([0, 0, 2]), torch.tensor([1.0, 0.5, 0.0])
    loss = qfl(logits, (labels, scores))
    # own class towards 1: BCE log2 * |1 - 0.5|^2; other class towards 0: log2 * 0.5^2
    # own class towards 0.5: already there, BCE(0.5, 0.5) = log2 but scaled by 0; background: both to 0
    assert loss.tolist() == pytest.approx([0.5 * LOG2, 0.25 * LOG2, 0.5 * LOG2])
    probs = QualityFocalLoss(reduction='none', activated=True)(logits.sigmoid(), (labels, scores))
    assert probs.tolist() == pytest.approx(loss.tolist())
    assert QualityFocalLoss(loss_weight=2.)(logits, (labels, scores), avg_factor=2.).item() == pytest.approx(
        2 * 1.25 * LOG2 / 2)
    with pytest.raises(NotImplementedError, match='use_sigmoid=True only'):
        QualityFocalLoss(use_sigmoid=False)


def test_distribution_focal_loss_splits_a_continuous_target_between_its_two_bins():
    dfl = DistributionFocalLoss(reduction='none')
    uniform = torch.zeros(2, 3)
    assert dfl(uniform, torch.tensor([0.5, 1.0])).tolist() == pytest.approx([math.log(3)] * 2)
    peaked = torch.tensor([[0., 10., 0.]])
    # target 1.25: 3/4 of the weight on bin 1 (confident: ~0) and 1/4 on bin 2 (~10 nats)
    assert dfl(peaked, torch.tensor([1.25])).item() == pytest.approx(0.25 * 10, abs=1e-3)


def test_integral_is_the_expected_bin():
    integral = Integral(reg_max=4)
    logits = torch.full((1, 4, 5), -30.)
    for side, bin_index in enumerate([0, 1, 3, 4]):
        logits[0, side, bin_index] = 30.
    assert integral(logits.reshape(1, 20))[0].tolist() == pytest.approx([0., 1., 3., 4.], abs=1e-4)
    assert integral(torch.zeros(2, 20)).flatten().tolist() == pytest.approx([2.] * 8)
    assert integral.project.tolist() == [0., 1., 2., 3., 4.]


def test_one_anchor_per_position_is_required():
    cfg = tiny_model_cfg('gfl')
    cfg['bbox_head']['anchor_generator']['ratios'] = [0.5, 1.0, 2.0]
    with pytest.raises(ValueError, match='one anchor per position, the anchor_generator gives 3'):
        build_detector(cfg)


def test_every_trainable_parameter_gets_a_gradient():
    torch.manual_seed(0)
    model = build_detector(tiny_model_cfg('gfl'))
    model.init_weights()
    loss, log_vars = model._parse_losses(model(**toy_batch()))
    assert set(log_vars) == {'loss_cls', 'loss_bbox', 'loss_dfl', 'loss'}
    loss.backward()
    assert [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None] == []
    assert 'bbox_head.integral.project' in model.state_dict()
