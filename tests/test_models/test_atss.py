"""ATSS's parts: the adaptive assigner's rules and the head's training path (golden comparisons with mmdet
2.28.2 are in test_single_stage_golden.py)."""
import pytest
import torch

from mmlite.core.bbox import ATSSAssigner
from mmlite.models import build_detector

from ._tiny import tiny_model_cfg, toy_batch

ANCHORS = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.], [-5., -5., 5., 5.]])
GT = torch.tensor([[0., 0., 10., 10.]])


def test_positives_clear_the_candidates_mean_plus_std():
    # candidates' IoUs 1, 0.68, 0, 0.14: threshold mean + std = 0.92 keeps only the exact anchor
    result = ATSSAssigner(topk=4).assign(ANCHORS, [4], GT, gt_labels=torch.tensor([2]))
    assert result.gt_inds.tolist() == [1, 0, 0, 0]
    assert result.labels.tolist() == [2, -1, -1, -1]
    # with the three closest only (IoUs 1, 0.68, 0.14) the threshold drops to 1.04: nothing clears it
    assert ATSSAssigner(topk=3).assign(ANCHORS, [4], GT).gt_inds.tolist() == [0, 0, 0, 0]


def test_candidates_are_the_closest_k_of_each_level():
    assigner = ATSSAssigner(topk=2)
    distances = torch.tensor([[5.], [1.], [3.], [0.5], [9.], [2.]])
    assert assigner._closest_per_level(distances, [3, 3])[:, 0].tolist() == [1, 2, 3, 5]
    assert assigner._closest_per_level(distances, [1, 5])[:, 0].tolist() == [0, 3, 1]


def test_an_anchor_positive_for_two_gts_takes_the_higher_iou():
    # anchor 0 clears both gts' thresholds (IoU 1 with the first, 0.91 with the second): it takes the first,
    # whatever the order of the gts
    gts = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 11.]])
    assert ATSSAssigner(topk=4).assign(ANCHORS, [4], gts).gt_inds.tolist() == [1, 0, 0, 0]
    assert ATSSAssigner(topk=4).assign(ANCHORS, [4], gts.flip(0)).gt_inds.tolist() == [2, 0, 0, 0]


def test_no_gt_ignored_boxes_and_the_cost_based_mode():
    empty = ATSSAssigner(topk=9).assign(ANCHORS, [4], torch.zeros(0, 4), gt_labels=torch.zeros(0, dtype=torch.long))
    assert empty.gt_inds.tolist() == [0] * 4 and empty.labels.tolist() == [-1] * 4
    ignored = ATSSAssigner(topk=4, ignore_iof_thr=0.5).assign(ANCHORS, [4], GT,
                                                              gt_bboxes_ignore=torch.tensor([[19., 19., 31., 31.]]))
    assert ignored.gt_inds.tolist() == [1, 0, -1, 0]
    with pytest.raises(ValueError, match='needs cls_scores and bbox_preds'):
        ATSSAssigner(topk=4, alpha=0.8).assign(ANCHORS, [4], GT, gt_labels=torch.tensor([0]))
    with pytest.warns(UserWarning, match='alpha is None'):
        ATSSAssigner(topk=4).assign(ANCHORS, [4], GT, cls_scores=torch.zeros(4, 3), bbox_preds=ANCHORS)
    # cost-based: predictions equal to the gt and confident scores make every close anchor a candidate match
    scores = torch.full((4, 3), 5.)
    cost_based = ATSSAssigner(topk=4, alpha=0.8)
    result = cost_based.assign(ANCHORS, [4], GT, gt_labels=torch.tensor([0]), cls_scores=scores,
                               bbox_preds=GT.expand(4, 4))
    assert result.gt_inds.tolist() == [1, 1, 0, 0]  # equal costs; anchors 2 and 3 are centred outside the gt


def test_every_trainable_parameter_gets_a_gradient():
    torch.manual_seed(0)
    model = build_detector(tiny_model_cfg('atss'))
    model.init_weights()
    loss, log_vars = model._parse_losses(model(**toy_batch()))
    assert set(log_vars) == {'loss_cls', 'loss_bbox', 'loss_centerness', 'loss'}
    loss.backward()
    assert [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None] == []
    assert torch.sigmoid(model.bbox_head.atss_cls.bias).detach().numpy() == pytest.approx(0.01, rel=1e-3)
