"""mmcv.ops' ``bbox_overlaps`` (against mmcv 1.7.2's CPU kernel: tests/data/mmcv172_ops_bbox_overlaps_golden.json),
``RoIPool``/``roi_pool`` and the sigmoid/softmax focal losses (mmcv has CUDA kernels only for these, so they
are checked against the formulas), and mmdet's focal-loss functions."""
import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import torchvision

from mmlite.models.losses import FocalLoss
from mmlite.models.losses.focal_loss import py_focal_loss_with_prob, py_sigmoid_focal_loss, sigmoid_focal_loss
from mmlite.ops import RoIPool, SigmoidFocalLoss, SoftmaxFocalLoss, bbox_overlaps, roi_pool
from mmlite.ops import sigmoid_focal_loss as op_sigmoid_focal_loss
from mmlite.ops import softmax_focal_loss

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmcv172_ops_bbox_overlaps_golden.json').read_text())


@pytest.mark.parametrize('key', sorted(GOLDEN['overlaps']))
def test_bbox_overlaps_matches_mmcv(key):
    b1, b2, b3 = (torch.tensor(b) for b in GOLDEN['boxes'])
    mode, offset = key.split('_')[:2]
    aligned = key.endswith('aligned')
    ours = bbox_overlaps(b1, b3 if aligned else b2, mode, aligned, int(offset))
    torch.testing.assert_close(ours, torch.tensor(GOLDEN['overlaps'][key]), rtol=1e-5, atol=1e-6)


def test_bbox_overlaps_errors():
    boxes = torch.zeros(2, 4)
    with pytest.raises(ValueError, match="mode must be 'iou' or 'iof'"):
        bbox_overlaps(boxes, boxes, 'giou')
    with pytest.raises(ValueError, match='offset must be 0 or 1'):
        bbox_overlaps(boxes, boxes, offset=2)
    with pytest.raises(ValueError, match='as many boxes'):
        bbox_overlaps(boxes, torch.zeros(3, 4), aligned=True)


def test_roi_pool_takes_the_max_of_rounded_bins():
    feats = torch.randn(2, 3, 10, 12, requires_grad=True)
    rois = torch.tensor([[1, 2.2, 1.6, 9.4, 7.7], [0, 0, 0, 11, 9]])
    out = RoIPool(2, spatial_scale=1.0)(feats, rois)
    assert out.shape == (2, 3, 2, 2)
    # roi 0: corners rounded to (2, 2)-(9, 8): 8 x 7 pixels, bins of 4 columns and 3.5 rows
    x1, y1, y2 = 2, 2, 8
    bin_h = (y2 - y1 + 1) / 2
    for i in range(2):
        for j in range(2):
            top, bottom = y1 + int(i * bin_h), y1 + int(-(-(i + 1) * bin_h // 1))
            left, right = x1 + j * 4, x1 + (j + 1) * 4
            torch.testing.assert_close(out[0, :, i, j], feats[1, :, top:bottom, left:right].amax((1, 2)))
    out.sum().backward()
    assert feats.grad.abs().sum() > 0
    torch.testing.assert_close(roi_pool(feats, rois, (2, 2)), out)
    assert repr(RoIPool((7, 7), 0.25)) == 'RoIPool(output_size=(7, 7), spatial_scale=0.25)'


def _logits_and_labels():
    torch.manual_seed(0)
    return torch.randn(6, 4, requires_grad=True), torch.tensor([0, 4, 2, 3, 4, 1])


def test_sigmoid_focal_loss_is_the_focal_formula_with_class_weights():
    logits, labels = _logits_and_labels()
    one_hot = F.one_hot(labels, 5)[:, :4].float()
    reference = torchvision.ops.sigmoid_focal_loss(logits, one_hot, alpha=0.25, gamma=2.0, reduction='none')
    torch.testing.assert_close(op_sigmoid_focal_loss(logits, labels, reduction='none'), reference)
    torch.testing.assert_close(op_sigmoid_focal_loss(logits, labels), reference.sum() / 6)
    torch.testing.assert_close(op_sigmoid_focal_loss(logits, labels, reduction='sum'), reference.sum())
    weight = torch.tensor([1., 2., 3., 4.])
    row_weight = torch.tensor([1., 1., 3., 4., 1., 2.])  # weight of each row's class; background rows 1
    torch.testing.assert_close(op_sigmoid_focal_loss(logits, labels, 2.0, 0.25, weight, 'none'),
                               reference * row_weight[:, None])
    loss = SigmoidFocalLoss(2.0, 0.25)(logits, labels)
    loss.backward()
    assert logits.grad.abs().sum() > 0
    assert repr(SigmoidFocalLoss(2.0, 0.25)) == 'SigmoidFocalLoss(gamma=2.0, alpha=0.25, reduction=mean)'


def test_softmax_focal_loss_is_the_focal_formula_of_the_target_class():
    logits, labels = _logits_and_labels()
    labels = labels.clamp_max(3)
    log_p = logits.log_softmax(1).gather(1, labels[:, None])[:, 0]
    reference = -0.25 * (1 - log_p.exp()).pow(2.0) * log_p
    torch.testing.assert_close(softmax_focal_loss(logits, labels, reduction='none'), reference)
    weight = torch.tensor([1., 2., 3., 4.])
    torch.testing.assert_close(SoftmaxFocalLoss(2.0, 0.25, weight, 'sum')(logits, labels),
                               (reference * weight[labels]).sum())
    with pytest.raises(ValueError, match='long class indices'):
        softmax_focal_loss(logits, labels.float())
    with pytest.raises(ValueError, match='one value per class'):
        softmax_focal_loss(logits, labels, weight=torch.ones(3))
    with pytest.raises(ValueError, match='reduction must be one of'):
        softmax_focal_loss(logits, labels, reduction='avg')


def test_mmdet_focal_loss_functions_agree():
    logits, labels = _logits_and_labels()
    one_hot = F.one_hot(labels, 5)[:, :4]
    weight = torch.rand(6)
    by_labels = sigmoid_focal_loss(logits, labels, weight, avg_factor=3.0)
    torch.testing.assert_close(by_labels, py_sigmoid_focal_loss(logits, one_hot, weight, avg_factor=3.0))
    torch.testing.assert_close(by_labels, sigmoid_focal_loss(logits, one_hot, weight, avg_factor=3.0))
    torch.testing.assert_close(FocalLoss()(logits, labels, weight, avg_factor=3.0), by_labels)
    probs = logits.sigmoid()
    with_prob = py_focal_loss_with_prob(probs, labels, weight, avg_factor=3.0)
    torch.testing.assert_close(with_prob, by_labels, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(FocalLoss(activated=True)(probs, labels, weight, avg_factor=3.0), with_prob)
