"""Libra R-CNN's samplers: per-instance positives, IoU-balanced negatives, and the combined sampler in a
Faster R-CNN trained with mmdet's Libra settings (BFP neck, Balanced L1)."""
import pytest
import torch

from mmlite.core.bbox import (AssignResult, CombinedSampler, InstanceBalancedPosSampler, IoUBalancedNegSampler,
                              build_sampler)
from mmlite.models import build_detector

from ._tiny import WIDTH, tiny_model_cfg, toy_batch


def _assign(gt_inds, max_overlaps):
    gt_inds = torch.tensor(gt_inds)
    return AssignResult(int(gt_inds.max()), gt_inds, torch.tensor(max_overlaps, dtype=torch.float32),
                        labels=torch.where(gt_inds > 0, gt_inds - 1, torch.full_like(gt_inds, -1)))


def test_instance_balanced_positives_cover_every_box():
    gt_inds = [1] * 40 + [2] * 3 + [3] * 20 + [0] * 10
    sampler = InstanceBalancedPosSampler(num=16, pos_fraction=0.75)
    torch.manual_seed(0)
    picked = sampler._sample_pos(_assign(gt_inds, [0.7] * 73), 12)
    counts = torch.bincount(torch.tensor(gt_inds)[picked], minlength=4).tolist()
    assert picked.unique().numel() == 12 and counts[0] == 0
    assert counts[2] == 3 and 1 <= counts[1] <= 5 and 1 <= counts[3] <= 5  # round(12 / 3) + 1 = 5 per box
    few = sampler._sample_pos(_assign([1, 1, 0], [0.7, 0.6, 0.1]), 12)
    assert sorted(few.tolist()) == [0, 1]


def test_iou_balanced_negatives_spread_over_bins():
    ious = [i / 300 for i in range(150)] + [0.0] * 150  # 150 negatives in IoU [0, 0.5), 150 at IoU 0
    sampler = IoUBalancedNegSampler(num=64, pos_fraction=0.25, floor_thr=0, floor_fraction=0.5, num_bins=3)
    torch.manual_seed(0)
    picked = sampler._sample_neg(_assign([0] * 300, ious), 60)
    assert picked.unique().numel() == 60
    values = torch.tensor(ious)[picked]
    assert (values == 0).sum() == 30  # floor_fraction of them at IoU 0
    bins = torch.bucketize(values[values > 0], torch.tensor([0.5 / 3, 1 / 3]))
    assert torch.bincount(bins).tolist() == [10, 10, 10]  # the rest evenly over 3 IoU bins
    default = IoUBalancedNegSampler(num=64, pos_fraction=0.25)  # floor_thr=-1: bins from IoU 0
    assert default._sample_neg(_assign([0] * 300, ious), 60).unique().numel() == 60
    assert default.floor_thr == -1  # not mutated (mmdet set it to 0 on first use)
    with pytest.raises(ValueError, match='floor_thr'):
        IoUBalancedNegSampler(num=8, pos_fraction=0.5, floor_thr=-0.5)


def test_combined_sampler_in_libra_faster_rcnn():
    sampler_cfg = dict(type='CombinedSampler', num=64, pos_fraction=0.25, add_gt_as_proposals=True,
                       pos_sampler=dict(type='InstanceBalancedPosSampler'),
                       neg_sampler=dict(type='IoUBalancedNegSampler', floor_thr=-1, floor_fraction=0, num_bins=3))
    sampler = build_sampler(sampler_cfg)
    assert isinstance(sampler, CombinedSampler) and isinstance(sampler.neg_sampler, IoUBalancedNegSampler)
    assert sampler.pos_sampler.num == 64 and sampler.neg_sampler.pos_fraction == 0.25
    cfg = tiny_model_cfg('faster_rcnn')
    cfg['neck'] = [cfg['neck'], dict(type='BFP', in_channels=WIDTH, num_levels=5, refine_level=2,
                                     refine_type='non_local')]
    cfg['roi_head']['bbox_head']['loss_bbox'] = dict(type='BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0)
    cfg['train_cfg']['rcnn']['sampler'] = sampler_cfg
    model = build_detector(cfg).train()
    batch = toy_batch()
    torch.manual_seed(0)
    loss, log_vars = model._parse_losses(model.forward_train(batch['img'], batch['img_metas'], batch['gt_bboxes'],
                                                             batch['gt_labels']))
    loss.backward()
    assert torch.isfinite(loss) and set(log_vars) >= {'loss_cls', 'loss_bbox', 'acc'}
