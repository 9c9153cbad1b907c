"""FSAF: same configs, layout, detections and losses (with online level selection) as mmdet 2.28.2, and its
CenterRegionAssigner and TBLRBBoxCoder on crafted cases.

tests/data/mmdet2282_fsaf_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
fsaf_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: backbone weights are those of mmdet2282_tiny_golden.pth,
neck and head weights random (stored in float16); with ``simple_test``, flip ``aug_test`` and ``forward_train``
(also with the second image's objects removed, and with none at all); plus the assigner on random priors and
gts (ignored boxes, both ``foreground_dominate`` settings) and the coder with a scalar and a per-side normalizer.
mmdet2282_fsaf_layout.json holds mmdet's merged fsaf/ configs and the R-50 layout.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import CenterRegionAssigner, TBLRBBoxCoder

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars, tiny_golden_model)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FSAF_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_fsaf_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_fsaf_layout.json')))
EXPECTED = FSAF_GOLDEN['models']['fsaf']


def _model():
    return tiny_golden_model('fsaf', FSAF_GOLDEN['weights']['fsaf'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'fsaf', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'fsaf', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, EXPECTED['simple_test']):
        _assert_dets_equal(mine, theirs)
    assert sum(len(d) for d in results[1]) > 0
    _assert_dets_equal(flip_aug_results(_model().eval())[0], EXPECTED['aug_test'][0])


def test_losses_match_mmdet():
    assert_log_vars_match(golden_training_log_vars(_model().train()), EXPECTED['log_vars'])


@pytest.mark.parametrize('key, gts', [('log_vars_one_empty', 1), ('log_vars_no_objects', 0)])
def test_losses_with_images_without_objects_match_mmdet(key, gts):
    model = _model().train()
    torch.manual_seed(0)
    empty_boxes, empty_labels = torch.zeros((0, 4)), torch.zeros((0, ), dtype=torch.long)
    gt_bboxes = [GOLDEN['gt_bboxes'][0] if gts else empty_boxes, empty_boxes]
    gt_labels = [GOLDEN['gt_labels'][0] if gts else empty_labels, empty_labels]
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes, gt_labels)
    assert_log_vars_match(model._parse_losses(losses)[1], EXPECTED[key])


def test_each_gt_trains_one_level():
    model = _model().train()
    head = model.bbox_head
    losses_cls = [torch.rand(6, 3) for _ in range(2)]
    losses_bbox = [torch.rand(6) for _ in range(2)]
    assigned = [torch.tensor([0, 0, 1, -1, -1, -1]), torch.tensor([0, 1, 1, 1, -1, -1])]
    labels = [torch.tensor([2, 2, 0, 3, 3, 3]), torch.tensor([2, 0, 0, 0, 3, 3])]
    levels = [head.collect_loss_level_single(cls, box, inds, torch.arange(3))[0]
              for cls, box, inds in zip(losses_cls, losses_bbox, assigned)]
    for level, (cls, box, inds) in enumerate(zip(losses_cls, losses_bbox, assigned)):
        for gt in (0, 1):
            torch.testing.assert_close(levels[level][gt], (cls.sum(1) + box)[inds == gt].mean())
        assert levels[level][2] == 1e6  # a gt without anchors on this level
    best = torch.stack(levels).argmin(0)
    cls_loss, box_loss, pos = head.reweight_loss_single(losses_cls[0], losses_bbox[0], assigned[0], labels[0], 0,
                                                        best)
    kept = (assigned[0] >= 0) & (best[assigned[0].clamp(min=0)] == 0)
    assert torch.equal(pos, kept)
    torch.testing.assert_close(box_loss, losses_bbox[0][~((assigned[0] >= 0) & ~kept)].sum())


@pytest.mark.parametrize('index', range(12))
def test_center_region_assigner_matches_mmdet(index):
    case = FSAF_GOLDEN['assign'][index]
    assigner = CenterRegionAssigner(pos_scale=0.2, neg_scale=case['neg_scale'], min_pos_iof=0.01,
                                    foreground_dominate=case['dominate'])
    result = assigner.assign(case['priors'], case['gts'], case['ignore'], case['labels'])
    assert torch.equal(result.gt_inds, case['gt_inds'])
    assert torch.equal(result.labels, case['assigned_labels'])
    shadowed = result.get_extra_property('shadowed_labels')
    assert sorted(map(tuple, shadowed.tolist())) == sorted(map(tuple, case['shadowed'].tolist()))
    assert (result.gt_inds > 0).any() and len(shadowed) > 0


def test_center_region_assigner_without_gts():
    result = CenterRegionAssigner(0.2, 0.2).assign(torch.rand(5, 4) * 10, torch.zeros((0, 4)), None,
                                                   torch.zeros(0, dtype=torch.long))
    assert result.gt_inds.tolist() == [0] * 5 and result.get_extra_property('shadowed_labels').shape == (0, 2)


@pytest.mark.parametrize('index', [0, 1])
def test_tblr_coder_matches_mmdet(index):
    case = FSAF_GOLDEN['coder'][index]
    coder = TBLRBBoxCoder(normalizer=case['normalizer'])
    encoded = coder.encode(case['priors'], case['gts'])
    torch.testing.assert_close(encoded, case['encoded'])
    torch.testing.assert_close(coder.decode(case['priors'], encoded * 1.3, max_shape=(60, 50)), case['decoded'])
    torch.testing.assert_close(TBLRBBoxCoder(case['normalizer'], clip_border=False).decode(case['priors'], encoded),
                               case['gts'], rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match='4 values'):
        TBLRBBoxCoder(normalizer=[1.0, 2.0]).encode(case['priors'], case['gts'])
