"""Anchors, box coder, assigner and samplers against hand-computed cases."""
import math

import pytest
import torch

from mmlite.core.anchor import AnchorGenerator, anchor_inside_flags, images_to_levels
from mmlite.core.bbox import (DeltaXYWHBBoxCoder, MaxIoUAssigner, PseudoSampler, RandomSampler, bbox2roi, bbox_flip,
                              bbox_mapping, bbox_mapping_back, bbox_overlaps, roi2bbox)


class TestAnchorGenerator:

    def test_base_anchors_by_ratio(self):
        gen = AnchorGenerator(strides=[16], ratios=[0.5, 1.0, 2.0], scales=[8])
        r = math.sqrt(0.5)
        half_w, half_h = 64 / r, 64 * r  # ratio 0.5: wider than tall, same area as 128 x 128
        expected = torch.tensor([[-half_w, -half_h, half_w, half_h], [-64., -64., 64., 64.],
                                 [-half_h, -half_w, half_h, half_w]])
        torch.testing.assert_close(gen.base_anchors[0], expected, rtol=0, atol=1e-4)

    def test_grid_is_position_major_then_base_anchor(self):
        gen = AnchorGenerator(strides=[16], ratios=[0.5, 1.0, 2.0], scales=[8])
        anchors = gen.grid_priors([(2, 3)], device='cpu')[0]
        assert anchors.shape == (2 * 3 * 3, 4)
        y, x, a = 1, 2, 1
        torch.testing.assert_close(anchors[(y * 3 + x) * 3 + a], gen.base_anchors[0][a] + torch.tensor([32., 16.] * 2))

    def test_octave_scales_and_center_offset(self):
        gen = AnchorGenerator(strides=[8], ratios=[1.0], octave_base_scale=4, scales_per_octave=3,
                              center_offset=0.5)
        sides = gen.base_anchors[0][:, 2] - gen.base_anchors[0][:, 0]
        torch.testing.assert_close(sides, torch.tensor([32 * 2**(i / 3) for i in range(3)]))
        centre = (gen.base_anchors[0][:, :2] + gen.base_anchors[0][:, 2:]) / 2
        torch.testing.assert_close(centre, torch.full((3, 2), 4.0))
        assert gen.num_base_priors == [3]

    def test_scales_and_octave_are_exclusive(self):
        with pytest.raises(ValueError):
            AnchorGenerator(strides=[8], ratios=[1.0], scales=[8], octave_base_scale=4, scales_per_octave=3)

    def test_valid_flags_cover_the_unpadded_region(self):
        gen = AnchorGenerator(strides=[16], ratios=[1.0], scales=[8])
        flags = gen.valid_flags([(4, 4)], pad_shape=(40, 64), device='cpu')[0].view(4, 4)
        assert flags[:3].all() and not flags[3].any()  # ceil(40 / 16) = 3 valid rows

    def test_inside_flags_and_levels(self):
        anchors = torch.tensor([[0., 0., 10., 10.], [-5., 0., 10., 10.], [90., 90., 101., 100.]])
        valid = torch.ones(3, dtype=torch.bool)
        assert anchor_inside_flags(anchors, valid, (100, 100), allowed_border=0).tolist() == [True, False, False]
        assert anchor_inside_flags(anchors, valid, (100, 100), allowed_border=-1).all()
        levels = images_to_levels([torch.arange(5), torch.arange(5) + 10], [2, 3])
        assert [lv.tolist() for lv in levels] == [[[0, 1], [10, 11]], [[2, 3, 4], [12, 13, 14]]]


class TestCoder:

    def test_hand_computed_deltas(self):
        coder = DeltaXYWHBBoxCoder(target_stds=[0.1, 0.1, 0.2, 0.2])
        deltas = coder.encode(torch.tensor([[0., 0., 10., 10.]]), torch.tensor([[5., 5., 15., 25.]]))
        torch.testing.assert_close(deltas, torch.tensor([[5., 10., 0., math.log(2) / 0.2]]))

    def test_round_trip_and_per_class_decode(self):
        gen = torch.Generator().manual_seed(0)
        xy = torch.rand(20, 2, generator=gen) * 50
        boxes = torch.cat([xy, xy + 5 + torch.rand(20, 2, generator=gen) * 40], 1)
        gts = boxes + torch.randn(20, 4, generator=gen)
        coder = DeltaXYWHBBoxCoder(target_means=[0.1, 0., -0.1, 0.], target_stds=[0.1, 0.1, 0.2, 0.2])
        torch.testing.assert_close(coder.decode(boxes, coder.encode(boxes, gts)), gts, rtol=1e-4, atol=1e-3)
        two_classes = torch.cat([coder.encode(boxes, gts), coder.encode(boxes, boxes)], 1)
        decoded = coder.decode(boxes, two_classes)
        assert decoded.shape == (20, 8)
        torch.testing.assert_close(decoded[:, 4:], boxes, rtol=1e-4, atol=1e-3)

    def test_decode_clips_to_image(self):
        coder = DeltaXYWHBBoxCoder()
        out = coder.decode(torch.tensor([[0., 0., 50., 50.]]), torch.tensor([[0., 0., 1., 1.]]), max_shape=(40, 60))
        assert out.tolist() == [[0., 0., 60., 40.]]


class TestAssignSample:
    gts = torch.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.]])

    def test_thresholds(self):
        cands = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 5.], [100., 100., 110., 110.], [20., 20., 29., 30.]])
        assigner = MaxIoUAssigner(pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3)
        result = assigner.assign(cands, self.gts, gt_labels=torch.tensor([4, 7]))
        assert result.gt_inds.tolist() == [1, -1, 0, 2]  # IoU 1, 0.5 (ignored), 0, 0.9
        assert result.labels.tolist() == [4, -1, -1, 7]
        torch.testing.assert_close(result.max_overlaps, torch.tensor([1., 0.5, 0., 0.9]))

    def test_low_quality_match_claims_best_candidate(self):
        cands = torch.tensor([[0., 0., 10., 5.], [0., 0., 10., 2.], [20., 20., 30., 30.]])
        with_lq = MaxIoUAssigner(0.7, 0.3, min_pos_iou=0.3).assign(cands, self.gts)
        without = MaxIoUAssigner(0.7, 0.3, min_pos_iou=0.3, match_low_quality=False).assign(cands, self.gts)
        assert with_lq.gt_inds.tolist() == [1, 0, 2] and without.gt_inds.tolist() == [-1, 0, 2]

    def test_ignored_boxes_and_empty_gts(self):
        cands = torch.tensor([[50., 50., 60., 60.], [100., 100., 110., 110.]])
        assigner = MaxIoUAssigner(0.5, 0.5, ignore_iof_thr=0.5, match_low_quality=False)
        result = assigner.assign(cands, self.gts, gt_bboxes_ignore=torch.tensor([[48., 48., 70., 70.]]))
        assert result.gt_inds.tolist() == [-1, 0]
        empty = assigner.assign(cands, torch.zeros(0, 4), gt_labels=torch.zeros(0, dtype=torch.long))
        assert empty.gt_inds.tolist() == [0, 0] and empty.labels.tolist() == [-1, -1]

    def _many_candidates(self, num=200):
        gen = torch.Generator().manual_seed(1)
        xy = torch.rand(num, 2, generator=gen) * 40
        return torch.cat([xy, xy + 8 + torch.rand(num, 2, generator=gen) * 4], 1)

    def test_random_sampler_counts(self):
        cands = self._many_candidates()
        assign = MaxIoUAssigner(0.5, 0.3).assign(cands, self.gts, gt_labels=torch.tensor([0, 1]))
        num_pos = int((assign.gt_inds > 0).sum())
        sampler = RandomSampler(num=32, pos_fraction=0.25, add_gt_as_proposals=True)
        res = sampler.sample(assign, cands, self.gts, torch.tensor([0, 1]))
        assert len(res.pos_inds) == min(8, num_pos + 2) and len(res.pos_inds) + len(res.neg_inds) == 32
        gt_rows = res.pos_bboxes[res.pos_is_gt.bool()]
        assert len(gt_rows) <= 2 and all((self.gts == row).all(1).any() for row in gt_rows)
        assert torch.equal(res.bboxes, torch.cat([res.pos_bboxes, res.neg_bboxes]))
        assert (res.pos_gt_labels == torch.tensor([0, 1])[res.pos_assigned_gt_inds]).all()

    def test_neg_pos_upper_bound(self):
        cands = self._many_candidates()
        assign = MaxIoUAssigner(0.5, 0.3).assign(cands, self.gts)
        res = RandomSampler(num=64, pos_fraction=0.5, neg_pos_ub=1, add_gt_as_proposals=False).sample(
            assign, cands, self.gts)
        assert len(res.neg_inds) <= max(1, len(res.pos_inds))

    def test_pseudo_sampler_takes_everything(self):
        cands = self._many_candidates()
        assign = MaxIoUAssigner(0.5, 0.3).assign(cands, self.gts)
        res = PseudoSampler().sample(assign, cands, self.gts)
        assert len(res.pos_inds) == int((assign.gt_inds > 0).sum())
        assert len(res.neg_inds) == int((assign.gt_inds == 0).sum())


def test_box_transforms():
    boxes = torch.tensor([[10., 20., 30., 60.]])
    assert bbox_flip(boxes, (100, 200)).tolist() == [[170., 20., 190., 60.]]
    assert bbox_flip(boxes, (100, 200), 'vertical').tolist() == [[10., 40., 30., 80.]]
    scale = [2., 2., 2., 2.]
    there = bbox_mapping(boxes, (200, 400), scale, True)
    torch.testing.assert_close(bbox_mapping_back(there, (200, 400), scale, True), boxes)
    rois = bbox2roi([boxes, torch.zeros(0, 4), boxes * 2])
    assert rois[:, 0].tolist() == [0., 2.]
    assert [b.tolist() for b in roi2bbox(rois)] == [boxes.tolist(), (boxes * 2).tolist()]


def test_overlaps_modes():
    a, b = torch.tensor([[0., 0., 2., 2.]]), torch.tensor([[1., 1., 3., 3.]])
    assert bbox_overlaps(a, b).item() == pytest.approx(1 / 7)
    assert bbox_overlaps(a, b, mode='iof').item() == pytest.approx(1 / 4)
    assert bbox_overlaps(a, b, mode='giou').item() == pytest.approx(1 / 7 - 2 / 9)
    assert bbox_overlaps(a, b, is_aligned=True).shape == (1, )
