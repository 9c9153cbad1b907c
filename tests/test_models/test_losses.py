"""Loss values against hand-computed cases."""
import math

import pytest
import torch

from mmlite.models import build_loss
from mmlite.models.losses import accuracy


def test_smooth_l1_and_l1():
    pred, target = torch.tensor([[0.5, 2.0]]), torch.zeros(1, 2)
    smooth = build_loss(dict(type='SmoothL1Loss', beta=1.0, loss_weight=2.0))
    assert smooth(pred, target).item() == pytest.approx(2.0 * (0.125 + 1.5) / 2)
    l1 = build_loss(dict(type='L1Loss'))
    assert l1(pred, target, avg_factor=5).item() == pytest.approx(2.5 / 5, rel=1e-6)
    assert l1(pred, target, weight=torch.tensor([[1., 0.]]), reduction_override='sum').item() == 0.5
    assert l1(pred[:0], target[:0]).item() == 0


def test_softmax_cross_entropy_with_weights():
    loss = build_loss(dict(type='CrossEntropyLoss'))
    logits = torch.tensor([[0., math.log(3.)], [0., 0.]])
    labels = torch.tensor([1, 0])
    assert loss(logits, labels).item() == pytest.approx((-math.log(0.75) + math.log(2)) / 2)
    weighted = loss(logits, labels, weight=torch.tensor([1., 0.]), avg_factor=1.)
    assert weighted.item() == pytest.approx(-math.log(0.75))
    class_weighted = build_loss(dict(type='CrossEntropyLoss', class_weight=[1.0, 3.0], reduction='sum'))
    assert class_weighted(logits, labels).item() == pytest.approx(-3 * math.log(0.75) + math.log(2))


def test_sigmoid_cross_entropy_expands_labels_and_ignores_background():
    loss = build_loss(dict(type='CrossEntropyLoss', use_sigmoid=True, reduction='sum'))
    logits = torch.zeros(2, 3)
    # label 3 == num_classes is background: all three binary targets are 0
    assert loss(logits, torch.tensor([1, 3])).item() == pytest.approx(6 * math.log(2))


def test_mask_cross_entropy_picks_the_label_channel():
    loss = build_loss(dict(type='CrossEntropyLoss', use_mask=True))
    pred = torch.zeros(2, 3, 4, 4)
    pred[0, 2] = 10.0
    target = torch.ones(2, 4, 4)
    value = loss(pred, target, torch.tensor([2, 0]))
    assert value.shape == (1, )
    expected = (math.log1p(math.exp(-10.0)) + math.log(2)) / 2
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_focal_loss_hand_computed():
    loss = build_loss(dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, reduction='sum'))
    x = 0.3
    p = 1 / (1 + math.exp(-x))
    pos = 0.25 * (1 - p)**2 * -math.log(p)
    neg = 0.75 * p**2 * -math.log(1 - p)
    value = loss(torch.full((1, 2), x), torch.tensor([0]))  # class 0 positive, class 1 negative
    assert value.item() == pytest.approx(pos + neg, rel=1e-5)
    background = loss(torch.full((1, 2), x), torch.tensor([2]))
    assert background.item() == pytest.approx(2 * neg, rel=1e-5)


def test_iou_losses():
    pred, target = torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[1., 1., 3., 3.]])
    assert build_loss(dict(type='IoULoss', mode='linear'))(pred, target).item() == pytest.approx(1 - 1 / 7)
    assert build_loss(dict(type='IoULoss'))(pred, target).item() == pytest.approx(-math.log(1 / 7), rel=1e-5)
    giou = 1 / 7 - (9 - 7) / 9
    assert build_loss(dict(type='GIoULoss'))(pred, target).item() == pytest.approx(1 - giou, rel=1e-5)


def test_accuracy_is_a_percentage_tensor():
    pred = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    acc = accuracy(pred, torch.tensor([0, 1, 1, 1]))
    assert acc.shape == (1, ) and acc.item() == pytest.approx(75.0)
    top1, top2 = accuracy(pred, torch.tensor([0, 1, 1, 1]), topk=(1, 2))
    assert top2.item() == 100.0


def test_unknown_reduction_is_rejected():
    with pytest.raises(ValueError):
        build_loss(dict(type='L1Loss'))(torch.zeros(1, 4), torch.zeros(1, 4), reduction_override='avg')
