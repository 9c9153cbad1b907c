"""COCO panoptic data: the toy panoptic set, CocoPanopticDataset + LoadPanopticAnnotations (equal to mmdet
2.28.2's samples, recorded in tests/data/mmdet2282_panoptic_golden.pth), and panoptic quality by hand."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core import INSTANCE_OFFSET
from mmlite.datasets import CocoDataset, build_dataset, make_toy_coco, make_toy_panoptic
from mmlite.datasets.api_wrappers import pq_compute_multi_core
from mmlite.datasets.api_wrappers.panoptic_evaluation import PQStat, id2rgb, pq_image_stat, rgb2id
from mmlite.image import imread

GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_panoptic_golden.pth'),
                    weights_only=True)['dataset']
TOY = ('rectangle', 'ellipse', 'triangle', 'background')


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    root = make_toy_coco(str(tmp_path_factory.mktemp('pan') / 'toy'), num_train=2, num_val=5)
    make_toy_panoptic(root, 'val')
    return root


def _dataset(root, pipeline=(), **kwargs):
    cfg = dict(type='CocoPanopticDataset', ann_file=f'{root}/annotations/panoptic_val.json', img_prefix=f'{root}/val/',
               seg_prefix=f'{root}/annotations/panoptic_val/', classes=TOY, pipeline=list(pipeline))
    return build_dataset(dict(cfg, **kwargs))


def test_toy_panoptic_pngs_agree_with_their_segments(toy_root):
    data = json.load(open(f'{toy_root}/annotations/panoptic_val.json'))
    assert [c['isthing'] for c in data['categories']] == [1, 1, 1, 0]
    for img, ann in zip(data['images'], data['annotations']):
        ids = rgb2id(imread(f"{toy_root}/annotations/panoptic_val/{ann['file_name']}", channel_order='rgb'))
        assert ids.shape == (img['height'], img['width'])
        for seg in ann['segments_info']:
            ys, xs = np.nonzero(ids == seg['id'])
            assert seg['area'] == len(xs) > 0
            assert seg['bbox'] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        assert sum(seg['area'] for seg in ann['segments_info']) == ids.size  # no VOID in the toy set


def test_samples_match_mmdet(toy_root):
    ds = _dataset(toy_root, [dict(type='LoadImageFromFile'), dict(type='LoadPanopticAnnotations')])
    assert len(ds) == GOLDEN['len'] and ds.img_ids == GOLDEN['img_ids']
    for i, theirs in enumerate(GOLDEN['samples']):
        sample = ds[i]
        ann, their_ann = sample['ann_info'], theirs['ann_info']
        for key in ('bboxes', 'labels', 'bboxes_ignore'):
            np.testing.assert_array_equal(ann[key], their_ann[key].numpy())
        assert ann['masks'] == their_ann['masks'] and ann['seg_map'] == their_ann['seg_map']
        np.testing.assert_array_equal(sample['gt_bboxes'], theirs['gt_bboxes'].numpy())
        np.testing.assert_array_equal(sample['gt_labels'], theirs['gt_labels'].numpy())
        masks = np.unpackbits(theirs['gt_masks'].numpy(), axis=-1)[..., :sample['gt_masks'].width]
        np.testing.assert_array_equal(sample['gt_masks'].masks, masks)
        # the same labels (mmdet kept them as int32; uint8 holds every label and 255 here)
        np.testing.assert_array_equal(sample['gt_semantic_seg'], theirs['gt_semantic_seg'].numpy())


def _pan_results_from_ground_truth(ds, drop_thing: bool = False) -> list:
    """The ground truth as a model would return it (``label + k * INSTANCE_OFFSET``, VOID = num classes)."""
    results = []
    for idx, info in enumerate(ds.data_infos):
        ids = rgb2id(imread(osp.join(ds.seg_prefix, info['segm_file']), channel_order='rgb'))
        pan = np.full(ids.shape, len(ds.CLASSES), dtype=np.int32)
        dropped = False
        for k, mask_info in enumerate(ds.get_ann_info(idx)['masks']):
            if drop_thing and mask_info['is_thing'] and not dropped:
                dropped = True  # predicted as VOID: one false negative
                continue
            pan[ids == mask_info['id']] = mask_info['category'] + (k + 1) * INSTANCE_OFFSET * mask_info['is_thing']
        results.append(pan)
    return [dict(pan_results=pan) for pan in results]


def test_perfect_predictions_score_100(toy_root):
    ds = _dataset(toy_root, test_mode=True)
    metrics = ds.evaluate(_pan_results_from_ground_truth(ds))
    assert {k: metrics[k] for k in ('PQ', 'SQ', 'RQ', 'PQ_th', 'PQ_st')} == dict(PQ=100, SQ=100, RQ=100, PQ_th=100,
                                                                                 PQ_st=100)
    assert metrics['PQ_copypaste'].split()[:3] == ['100.000'] * 3


def test_missed_things_lower_recognition_quality_and_the_written_files_score_alike(toy_root, tmp_path):
    ds = _dataset(toy_root, test_mode=True)
    results = _pan_results_from_ground_truth(ds, drop_thing=True)
    originals = [r['pan_results'].copy() for r in results]
    metrics = ds.evaluate(results, classwise=True, jsonfile_prefix=str(tmp_path / 'res'))
    assert metrics['PQ_st'] == 100 and metrics['PQ_th'] < 100
    stat = PQStat()
    counts = np.zeros(3, int)
    for idx in range(len(ds)):
        counts += np.bincount(ds.get_ann_info(idx)['labels'], minlength=3)
    first_labels = [ds.get_ann_info(i)['labels'][0] for i in range(len(ds))]
    for label in range(3):  # per class: tp = objects - missed, fn = missed
        missed = first_labels.count(label)
        found = counts[label] - missed
        stat[label + 1].tp, stat[label + 1].fn, stat[label + 1].iou = found, missed, float(found)
    expected, _ = stat.pq_average({i + 1: dict(isthing=1) for i in range(3)}, isthing=True)
    for key in ('pq', 'sq', 'rq'):
        assert metrics[key.upper() + '_th'] == pytest.approx(100 * expected[key])
    # the written PNGs and JSON evaluate to the same statistics through the file-based API
    written = json.load(open(tmp_path / 'res.panoptic.json'))['annotations']
    gt = [dict(image_id=info['id'], file_name=info['segm_file'], segments_info=ds.coco.imgToAnns[info['id']])
          for info in ds.data_infos]
    from_files = pq_compute_multi_core(list(zip(gt, written)), ds.seg_prefix, str(tmp_path / 'panoptic'),
                                       ds.categories, nproc=2)
    assert from_files.pq_average(ds.categories, True)[0]['rq'] == pytest.approx(expected['rq'])
    for result, original in zip(results, originals):  # VOID was not written into the caller's results
        np.testing.assert_array_equal(result['pan_results'], original)


def test_pq_of_one_image_by_hand():
    """gt: thing A (ids 1, 6 px), thing B (2, 4 px), stuff C (3, 4 px), crowd D of A's class (4, 2 px), VOID (2 px).
    pred: A' covers A and one VOID pixel (IoU 6/6: the VOID pixel is left out of the union); B' covers 1 px of B
    and 2 of C (IoU 1/6: B is missed and B' is a false positive); C' = 2 px of C (IoU 2/4 is not > 0.5: miss,
    and an FP); E (class of A) lies on the crowd region and VOID (ignored, no FP)."""
    gt = np.array([[1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 0, 0]])
    pred = np.array([[11, 11, 11, 11, 11, 11, 12, 0, 0, 0, 12, 12, 13, 13, 14, 14, 11, 14]])
    gt_segments = [dict(id=1, category_id=1, area=6, iscrowd=0), dict(id=2, category_id=1, area=4, iscrowd=0),
                   dict(id=3, category_id=2, area=4, iscrowd=0), dict(id=4, category_id=1, area=2, iscrowd=1)]
    pred_segments = [dict(id=11, category_id=1), dict(id=12, category_id=1), dict(id=13, category_id=2),
                     dict(id=14, category_id=1)]
    stat = PQStat()
    pq_image_stat(stat, gt, gt_segments, pred, pred_segments, {1: dict(isthing=1), 2: dict(isthing=0)})
    things, stuff = stat[1], stat[2]
    assert (things.tp, things.fp, things.fn, things.iou) == (1, 1, 1, 1.0)
    assert (stuff.tp, stuff.fp, stuff.fn) == (0, 1, 1)
    summary, _ = stat.pq_average({1: dict(isthing=1), 2: dict(isthing=0)}, None)
    assert summary == dict(pq=pytest.approx(0.25), sq=0.5, rq=pytest.approx(0.25), n=2)


def test_id_encoding_round_trips():
    ids = np.array([[0, 1, 255, 256, 70000, 3 * INSTANCE_OFFSET + 52]])
    assert id2rgb(ids).dtype == np.uint8
    np.testing.assert_array_equal(rgb2id(id2rgb(ids)), ids)


def test_clear_errors(toy_root, tmp_path):
    with pytest.raises(ValueError, match='not a COCO panoptic annotation file|use CocoDataset'):
        _dataset(toy_root, ann_file=f'{toy_root}/annotations/instances_val.json')
    with pytest.raises(ValueError, match='thing classes must come before stuff'):
        _dataset(toy_root, classes=('background', 'rectangle', 'ellipse', 'triangle'))
    ds = _dataset(toy_root, test_mode=True)
    with pytest.raises(TypeError, match='pan_results'):
        ds.evaluate([[np.zeros((0, 5))] * 3] * len(ds))
    with pytest.raises(KeyError, match='ins_results'):
        ds.evaluate(_pan_results_from_ground_truth(ds), metric='segm')
    with pytest.raises(KeyError, match='seg_prefix'):
        _dataset(toy_root, test_mode=True, seg_prefix=None).evaluate(_pan_results_from_ground_truth(ds))
    loader = _dataset(toy_root, [dict(type='LoadImageFromFile'), dict(type='LoadPanopticAnnotations')],
                      seg_prefix=None)
    with pytest.raises(ValueError, match='seg_prefix'):
        loader[0]
    instances = CocoDataset(f'{toy_root}/annotations/instances_val.json',
                            [dict(type='LoadImageFromFile'), dict(type='LoadPanopticAnnotations')],
                            img_prefix=f'{toy_root}/val/', seg_prefix=f'{toy_root}/annotations/panoptic_val/',
                            classes=TOY[:3])
    with pytest.raises(TypeError, match='panoptic segment infos.*CocoPanopticDataset'):
        instances[0]


def test_coco_index_answers_to_mmdet_method_names(toy_root):
    ds = CocoDataset(f'{toy_root}/annotations/instances_val.json', [], img_prefix=f'{toy_root}/val/',
                     classes=TOY[:3])
    coco = ds.coco
    assert coco.get_cat_ids(cat_names='ellipse') == [2] and coco.get_cat_ids(cat_names=['triangle']) == [3]
    ann_ids = coco.get_ann_ids(img_ids=[1])
    assert ann_ids and [a['image_id'] for a in coco.load_anns(ann_ids)] == [1] * len(ann_ids)
    assert coco.get_img_ids() == ds.img_ids and coco.load_imgs([1])[0]['id'] == 1
    assert coco.img_ann_map[1] == coco.load_anns(ann_ids) and 1 in coco.cat_img_map[coco.load_cats([1])[0]['id']]


def test_test_dev_image_lists_load_for_inference(toy_root, tmp_path):
    """tools/misc/gen_coco_panoptic_test_info.py gives an image list the panoptic categories; it has no
    annotations, and a test-mode dataset reads it."""
    from tests.test_tools.conftest import load_tool
    val = json.load(open(f'{toy_root}/annotations/panoptic_val.json'))
    json.dump(val, open(tmp_path / 'panoptic_val2017.json', 'w'))
    json.dump(dict(images=val['images'], categories=[dict(id=1, name='x')]),
              open(tmp_path / 'image_info_test-dev2017.json', 'w'))
    out = load_tool('tools/misc/gen_coco_panoptic_test_info.py').main([str(tmp_path)])
    ds = _dataset(toy_root, ann_file=out, test_mode=True)
    assert len(ds) == len(val['images']) and ds.num_things == 3 and ds.get_ann_info(0)['masks'] == []


def test_analyze_results_scores_panoptic_images_by_pq(toy_root):
    from tests.test_tools.conftest import load_tool
    ds = _dataset(toy_root, test_mode=True)
    perfect = _pan_results_from_ground_truth(ds)
    missed = _pan_results_from_ground_truth(ds, drop_thing=True)
    tool = load_tool('tools/analysis_tools/analyze_results.py')
    assert tool.panoptic_quality_of(ds, 0, perfect[0]) == 1.0
    assert tool.panoptic_quality_of(ds, 0, missed[0]) < 1.0
