"""``eval_map`` with ImageNet's size-adaptive IoU and Open Images' group-of boxes: the same mAP, per-class AP and
detection counts as mmdet 2.28.2 on synthetic data (tests/data/mmdet2282_eval_map_golden.json: 8 images, 3
classes, ~35 % group-of boxes with detections inside them; a second set with ignored boxes), plus hand cases."""
import json
import os.path as osp

import numpy as np
import pytest

from mmlite.core.evaluation import eval_map, tpfp_imagenet, tpfp_openimages

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_eval_map_golden.json')))


def _data(key):
    data = GOLDEN[key]
    dets = [[np.array(d, dtype=np.float32).reshape(-1, 5) for d in img] for img in data['dets']]
    anns = []
    for ann in data['anns']:
        ann = dict(ann)
        ann['bboxes'] = np.array(ann['bboxes'], dtype=np.float32).reshape(-1, 4)
        ann['labels'] = np.array(ann['labels'], dtype=np.int64)
        ann['gt_is_group_ofs'] = np.array(ann['gt_is_group_ofs'], dtype=bool)
        if 'bboxes_ignore' in ann:
            ann['bboxes_ignore'] = np.array(ann['bboxes_ignore'], dtype=np.float32).reshape(-1, 4)
            ann['labels_ignore'] = np.array(ann['labels_ignore'], dtype=np.int64)
        anns.append(ann)
    return dets, anns


@pytest.mark.parametrize('case', ['group_of', 'group_of_ioa_07', 'default'])
def test_open_images_matching_matches_mmdet(case):
    expected = GOLDEN[case]
    mean_ap, results = eval_map(*_data('data'), logger='silent', **expected['kwargs'])
    assert mean_ap == pytest.approx(expected['mean_ap'], abs=1e-6)
    assert [r['ap'] for r in results] == pytest.approx(expected['ap'], abs=1e-6)
    assert [r['num_dets'] for r in results] == expected['num_dets']
    assert [r['num_gts'] for r in results] == expected['num_gts']


@pytest.mark.parametrize('case', ['imagenet', 'imagenet_scales'])
def test_imagenet_matching_matches_mmdet(case):
    expected = GOLDEN[case]
    mean_ap, results = eval_map(*_data('data_ignore'), logger='silent', **expected['kwargs'])
    np.testing.assert_allclose(mean_ap, expected['mean_ap'], atol=1e-6)
    np.testing.assert_allclose([r['ap'] for r in results], expected['ap'], atol=1e-6)
    assert [r['num_dets'] for r in results] == expected['num_dets']


def test_open_images_dataset_names_use_group_of_matching_without_crashing():
    """mmdet unpacked two values from tpfp_openimages' three when dataset='oid_v6' without use_group_of."""
    dets, anns = _data('data')
    mean_ap, _ = eval_map(dets, anns, dataset='oid_v6', logger='silent')
    assert mean_ap == pytest.approx(GOLDEN['default']['mean_ap'], abs=1e-6)  # no group-of: ordinary matching


def test_group_of_box_counts_once_by_hand():
    """Two detections inside one group-of box fold into one true positive (the higher score); an ordinary box
    matched by IoU stays a true positive; an unmatched group-of box is one zero-score false positive."""
    gt = np.array([[0, 0, 100, 100], [200, 200, 220, 220], [300, 300, 400, 400]], np.float32)
    group = np.array([True, False, True])
    dets = np.array([[10, 10, 30, 30, 0.9], [50, 50, 70, 70, 0.6], [200, 200, 220, 221, 0.8],
                     [500, 500, 510, 510, 0.7]], np.float32)
    tp, fp, folded = tpfp_openimages(dets, gt, None, gt_bboxes_group_of=group, ioa_thr=0.5)
    # kept: the ordinary TP and the stray FP, then one entry per group-of box
    assert tp.tolist() == [[1, 0, 1, 0]] and fp.tolist() == [[0, 1, 0, 1]]
    assert folded[:, 4].tolist() == pytest.approx([0.8, 0.7, 0.9, 0.0])


def test_small_boxes_get_a_lower_imagenet_threshold():
    gt = np.array([[11, 11, 21, 21]], np.float32)  # 10 x 10: threshold 100 / 400 = 0.25 (compared 1 px up-left)
    det = np.array([[13, 13, 23, 23, 0.9]], np.float32)  # IoU with the shifted gt: 49 / 151 = 0.32
    tp, fp = tpfp_imagenet(det, gt)
    assert tp.tolist() == [[1]] and fp.tolist() == [[0]]


def test_group_of_needs_an_ioa_threshold():
    dets, anns = _data('data')
    with pytest.raises(ValueError, match='ioa_thr'):
        eval_map(dets, anns, use_group_of=True, ioa_thr=None, logger='silent')
