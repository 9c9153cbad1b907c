"""Datasets on tiny annotation files written by the tests: filtering, ignores, class subsets,
result formats, COCO/VOC evaluation with known answers, wrappers and bad input."""
import json
import logging
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mmlite.datasets import (ClassBalancedDataset, CocoDataset, ConcatDataset, CustomDataset, RepeatDataset, VOCDataset,
                             build_dataset)
from mmlite.image import imwrite

CLASSES = ('cat', 'dog', 'bird')


def write_coco(tmp_path, images=None, annotations=None, categories=None, name='ann.json'):
    images = images if images is not None else [
        dict(id=1, file_name='a.jpg', width=100, height=80), dict(id=2, file_name='b.jpg', width=60, height=90),
        dict(id=3, file_name='empty.jpg', width=100, height=100), dict(id=4, file_name='tiny.jpg', width=20, height=20)]
    annotations = annotations if annotations is not None else [
        dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 30, 20], area=600, iscrowd=0,
             segmentation=[[10, 10, 40, 10, 40, 30, 10, 30]]),
        dict(id=2, image_id=1, category_id=2, bbox=[50, 20, 40, 40], area=1600, iscrowd=0,
             segmentation=[[50, 20, 90, 20, 90, 60, 50, 60]]),
        dict(id=3, image_id=1, category_id=1, bbox=[0, 0, 100, 80], area=8000, iscrowd=1,
             segmentation=[[0, 0, 100, 0, 100, 80, 0, 80]]),
        dict(id=4, image_id=2, category_id=3, bbox=[5, 5, 20, 30], area=600, iscrowd=0,
             segmentation=[[5, 5, 25, 5, 25, 35, 5, 35]]),
        dict(id=5, image_id=2, category_id=3, bbox=[200, 200, 10, 10], area=100, iscrowd=0),  # outside
        dict(id=6, image_id=2, category_id=2, bbox=[1, 1, 0.5, 10], area=5, iscrowd=0),  # too thin
        dict(id=7, image_id=4, category_id=1, bbox=[1, 1, 10, 10], area=100, iscrowd=0)]
    categories = categories if categories is not None else [
        dict(id=1, name='cat'), dict(id=2, name='dog'), dict(id=3, name='bird')]
    path = tmp_path / name
    path.write_text(json.dumps(dict(images=images, annotations=annotations, categories=categories)))
    return str(path)


def coco(tmp_path, clean=False, **kwargs):
    """The test set; ``clean`` drops the invalid annotations (which COCOeval would count as
    missed ground truth, as it does in mmdet)."""
    path = write_coco(tmp_path)
    if clean:
        data = json.load(open(path))
        data['annotations'] = [a for a in data['annotations'] if a['id'] <= 4]
        path = str(tmp_path / 'clean.json')
        json.dump(data, open(path, 'w'))
    return CocoDataset(ann_file=path, pipeline=[], classes=kwargs.pop('classes', CLASSES), **kwargs)


def test_coco_filters_empty_and_small_images(tmp_path):
    ds = coco(tmp_path)
    assert [info['file_name'] for info in ds.data_infos] == ['a.jpg', 'b.jpg']
    assert ds.img_ids == [1, 2] and ds.flag.tolist() == [1, 0]
    assert len(coco(tmp_path, test_mode=True)) == 4
    assert len(coco(tmp_path, filter_empty_gt=False)) == 3  # the 20 px image still goes


def test_coco_annotations_crowd_ignore_and_skips(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger='mmlite'):
        ds = coco(tmp_path)
    ann = ds.get_ann_info(0)
    np.testing.assert_array_equal(ann['bboxes'], [[10, 10, 40, 30], [50, 20, 90, 60]])
    assert ann['labels'].tolist() == [0, 1] and ann['labels'].dtype == np.int64
    np.testing.assert_array_equal(ann['bboxes_ignore'], [[0, 0, 100, 80]])
    assert len(ann['masks']) == 2 and ann['seg_map'] == 'a.png'
    second = ds.get_ann_info(1)
    assert second['labels'].tolist() == [2] and len(second['bboxes']) == 1  # outside/thin boxes dropped
    assert 'smaller than 1 pixel' in caplog.text and '2 of 4 images filtered' in caplog.text
    assert '1 entirely outside their image' in caplog.text


def test_class_subset_and_order(tmp_path):
    ds = coco(tmp_path, classes=('bird', 'cat'))
    assert ds.cat_ids == [3, 1] and ds.cat2label == {3: 0, 1: 1}
    assert [info['file_name'] for info in ds.data_infos] == ['a.jpg', 'b.jpg']
    assert ds.get_ann_info(0)['labels'].tolist() == [1]  # the dog box is not a selected class
    assert ds.get_ann_info(1)['labels'].tolist() == [0]
    classes_file = tmp_path / 'classes.txt'
    classes_file.write_text('dog\n')
    assert coco(tmp_path, classes=str(classes_file)).CLASSES == ['dog']


def test_bad_coco_inputs_have_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="classes \\['horse'\\] are not among its categories"):
        coco(tmp_path, classes=('cat', 'horse'))
    not_coco = tmp_path / 'list.json'
    not_coco.write_text('[1, 2]')
    with pytest.raises(ValueError, match='is not a COCO annotation file'):
        CocoDataset(ann_file=str(not_coco), pipeline=[])
    bad_json = tmp_path / 'bad.json'
    bad_json.write_text('{"images": [')
    with pytest.raises(ValueError, match='cannot read it as JSON'):
        CocoDataset(ann_file=str(bad_json), pipeline=[])
    nan_ann = write_coco(tmp_path, annotations=[dict(id=9, image_id=1, category_id=1, bbox=[1, float('nan'), 3, 4],
                                                     area=1, iscrowd=0)], name='nan.json')
    with pytest.raises(ValueError, match='annotation id 9 .*non-finite'):
        CocoDataset(ann_file=nan_ann, pipeline=[], classes=CLASSES)
    dup = write_coco(tmp_path, annotations=[dict(id=1, image_id=1, category_id=1, bbox=[1, 1, 5, 5], area=25),
                                            dict(id=1, image_id=2, category_id=1, bbox=[1, 1, 5, 5], area=25)],
                     name='dup.json')
    with pytest.raises(ValueError, match='not unique'):
        CocoDataset(ann_file=dup, pipeline=[], classes=CLASSES)
    empty = write_coco(tmp_path, annotations=[], name='empty.json')
    with pytest.raises(ValueError, match='is empty after filtering'):
        CocoDataset(ann_file=empty, pipeline=[], classes=CLASSES)
    with pytest.raises(FileNotFoundError, match='missing.json'):
        CocoDataset(ann_file=str(tmp_path / 'missing.json'), pipeline=[])


def perfect_results(ds, shift=0.0):
    results = []
    for i in range(len(ds)):
        ann = ds.get_ann_info(i)
        per_class = [np.zeros((0, 5), dtype=np.float32) for _ in ds.CLASSES]
        for box, label in zip(ann['bboxes'], ann['labels']):
            det = np.append(box + np.array([shift, 0, shift, 0]), 0.9).astype(np.float32)[None]
            per_class[label] = np.concatenate([per_class[label], det])
        results.append(per_class)
    return results


def test_coco_bbox_evaluation_known_values(tmp_path, capsys):
    ds = coco(tmp_path, clean=True)
    perfect = ds.evaluate(perfect_results(ds), metric='bbox', classwise=True)
    assert perfect['bbox_mAP'] == 1.0 and perfect['bbox_mAP_50'] == 1.0
    assert perfect['bbox_mAP_copypaste'].startswith('1.000 1.000 1.000')
    assert set(perfect) == {'bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l',
                            'bbox_mAP_copypaste'}
    assert 'category' in capsys.readouterr().out  # the classwise table
    # shifting each box right by 8 px: IoU(30x20 box) = 22/38 = 0.58, IoU(40x40) = 32/48 = 0.67,
    # IoU(20x30) = 12/28 = 0.43 -> AP over IoU 0.5:0.95 per class = 0.2, 0.4, 0.0 -> mAP 0.2
    shifted = ds.evaluate(perfect_results(ds, shift=8.0), metric='bbox')
    assert shifted['bbox_mAP'] == pytest.approx(0.2, abs=1e-3)
    assert shifted['bbox_mAP_50'] == pytest.approx(2 / 3, abs=1e-3)
    only = ds.evaluate(perfect_results(ds), metric='bbox', metric_items=['mAP_50'])
    assert set(only) == {'bbox_mAP_50', 'bbox_mAP_copypaste'}
    with pytest.raises(KeyError, match='not supported'):
        ds.evaluate(perfect_results(ds), metric='keypoints')


def test_coco_evaluation_in_memory_equals_the_result_files_path(tmp_path):
    """Without jsonfile_prefix the detections go to pycocotools as an array; with it, through
    mmdet's JSON files: the metrics must be identical (noisy float32 boxes, empty classes)."""
    ds = coco(tmp_path, clean=True)
    rng = np.random.default_rng(0)
    results = []
    for det in perfect_results(ds):
        noisy = [np.concatenate([b[:, :4] + rng.normal(0, 3, (len(b), 4)), rng.uniform(0.1, 1, (len(b), 1))], 1)
                 .astype(np.float32) for b in det]
        results.append(noisy[:-1] + [np.zeros((0, 5), dtype=np.float32)])
    for metric in ('bbox', 'proposal'):
        in_memory = ds.evaluate(results, metric=metric, proposal_nums=(1, 10, 100))
        via_files = ds.evaluate(results, metric=metric, proposal_nums=(1, 10, 100),
                                jsonfile_prefix=str(tmp_path / metric))
        assert in_memory == via_files
    assert 0 < in_memory['AR@100'] < 1


def test_coco_segm_proposal_and_result_files(tmp_path):
    import pycocotools.mask as mask_utils
    ds = coco(tmp_path, clean=True)
    results = []
    for i, det in enumerate(perfect_results(ds)):
        info = ds.data_infos[i]
        segs = [[] for _ in ds.CLASSES]
        for label, boxes in enumerate(det):
            for box in boxes:
                mask = np.zeros((info['height'], info['width']), dtype=np.uint8)
                x1, y1, x2, y2 = box[:4].astype(int)
                mask[y1:y2, x1:x2] = 1
                segs[label].append(mask_utils.encode(np.asfortranarray(mask)))
        results.append((det, segs))
    out = ds.evaluate(results, metric=['bbox', 'segm'], jsonfile_prefix=str(tmp_path / 'res'))
    assert out['segm_mAP'] == 1.0 and out['bbox_mAP'] == 1.0
    saved = json.load(open(tmp_path / 'res.segm.json'))
    assert {'image_id', 'bbox', 'score', 'category_id', 'segmentation'} <= set(saved[0])
    proposals = [np.vstack([b for b in det if len(b)]) for det in perfect_results(ds)]
    recall = ds.evaluate(proposals, metric='proposal_fast', proposal_nums=(1, 10))
    assert recall['AR@10'] == pytest.approx(1.0)
    files, tmp = ds.format_results(perfect_results(ds))
    assert files['bbox'].endswith('.bbox.json') and tmp is not None
    tmp.cleanup()
    with pytest.raises(ValueError, match='not equal to the dataset len'):
        ds.format_results(perfect_results(ds)[:1])


def test_custom_dataset_middle_format_and_voc_metrics(tmp_path):
    infos = [dict(filename='a.jpg', width=64, height=48,
                  ann=dict(bboxes=np.array([[0, 0, 10, 10], [20, 20, 40, 40]], dtype=np.float32),
                           labels=np.array([0, 1]))),
             dict(filename='b.jpg', width=40, height=60,
                  ann=dict(bboxes=np.array([[5, 5, 15, 25]], dtype=np.float32), labels=np.array([1])))]
    import pickle
    path = tmp_path / 'middle.pkl'
    path.write_bytes(pickle.dumps(infos))
    with pytest.warns(UserWarning, match='does not support filtering empty gt'):
        ds = CustomDataset(ann_file=str(path), pipeline=[], classes=('a', 'b'))
    assert len(ds) == 2 and ds.flag.tolist() == [1, 0] and ds.get_cat_ids(0) == [0, 1]
    res = [[np.array([[0, 0, 10, 10, 0.9]], np.float32), np.array([[20, 20, 40, 40, 0.8]], np.float32)],
           [np.zeros((0, 5), np.float32), np.array([[5, 5, 15, 25, 0.7]], np.float32)]]
    out = ds.evaluate(res, metric='mAP', iou_thr=[0.5, 0.75])
    assert out['mAP'] == pytest.approx(1.0) and out['AP50'] == 1.0 and out['AP75'] == 1.0
    proposals = [np.array([[0, 0, 10, 10, 0.9], [20, 20, 40, 40, 0.8]]), np.array([[5, 5, 15, 25, 0.7]])]
    recall = ds.evaluate(proposals, metric='recall', proposal_nums=(1, 2), iou_thr=[0.5, 0.9])
    assert recall['recall@2@0.5'] == 1.0 and recall['recall@1@0.5'] == pytest.approx(2 / 3)
    assert recall['AR@2'] == 1.0
    assert 'instance counts' in repr(ds)


def write_voc(tmp_path):
    root = tmp_path / 'VOC2007'
    (root / 'Annotations').mkdir(parents=True)
    (root / 'JPEGImages').mkdir()
    (root / 'ImageSets').mkdir()
    objects = {'000001': [('cat', [11, 11, 40, 40], 0), ('dog', [41, 21, 80, 70], 1)],
               '000002': [('dog', [5, 5, 50, 50], 0), ('horse', [1, 1, 9, 9], 0)]}
    for img_id, objs in objects.items():
        ann = ET.Element('annotation')
        size = ET.SubElement(ann, 'size')
        ET.SubElement(size, 'width').text, ET.SubElement(size, 'height').text = '100', '80'
        for name, box, difficult in objs:
            obj = ET.SubElement(ann, 'object')
            ET.SubElement(obj, 'name').text = name
            ET.SubElement(obj, 'difficult').text = str(difficult)
            bnd = ET.SubElement(obj, 'bndbox')
            for key, value in zip(('xmin', 'ymin', 'xmax', 'ymax'), box):
                ET.SubElement(bnd, key).text = str(value)
        ET.ElementTree(ann).write(root / 'Annotations' / f'{img_id}.xml')
        imwrite(np.zeros((80, 100, 3), np.uint8), str(root / 'JPEGImages' / f'{img_id}.jpg'))
    (root / 'ImageSets' / 'test.txt').write_text('000001\n000002\n')
    return root


def test_voc_dataset(tmp_path):
    root = write_voc(tmp_path)
    ds = VOCDataset(ann_file=str(root / 'ImageSets' / 'test.txt'), img_prefix=str(root) + '/', pipeline=[],
                    classes=('cat', 'dog'))
    assert ds.year == 2007 and len(ds) == 2
    ann = ds.get_ann_info(0)
    np.testing.assert_array_equal(ann['bboxes'], [[10, 10, 39, 39]])  # 1-based to 0-based
    np.testing.assert_array_equal(ann['bboxes_ignore'], [[40, 20, 79, 69]])  # difficult
    results = [[ann['bboxes'][:1].tolist() and np.array([[10, 10, 39, 39, 0.9]], np.float32),
                np.zeros((0, 5), np.float32)],
               [np.zeros((0, 5), np.float32), np.array([[4, 4, 49, 49, 0.8]], np.float32)]]
    assert list(ds.evaluate(results)) == ['mAP', 'AP50'] and ds.evaluate(results)['mAP'] == pytest.approx(1.0)
    # a mask model's (bbox, segm) results are scored by their boxes
    assert ds.evaluate([(r, [[] for _ in r]) for r in results])['mAP'] == pytest.approx(1.0)
    # a detector's per-class results give class-agnostic recall; VOC's +1 box size: IoU 44*44 / (2*46*46 - 44*44)
    shifted = [results[0], [np.zeros((0, 5), np.float32), np.array([[6, 6, 51, 51, 0.8]], np.float32)]]
    recall = ds.evaluate(shifted, metric='recall', proposal_nums=(1,), iou_thr=[0.5, 0.84, 0.85])
    assert recall == {'recall@1@0.5': 1.0, 'recall@1@0.84': 1.0, 'recall@1@0.85': 0.5, 'AR@1': pytest.approx(2.5 / 3)}
    with pytest.raises(ValueError, match=r"one metric per call, got \['mAP', 'recall'\].*--eval recall"):
        ds.evaluate(results, metric=['mAP', 'recall'])
    with pytest.raises(KeyError, match="VOCDataset.evaluate: metric 'bbox' is not supported"):
        ds.evaluate(results, metric='bbox')
    with pytest.raises(ValueError, match='Cannot infer dataset year'):
        VOCDataset(ann_file=str(root / 'ImageSets' / 'test.txt'), img_prefix=str(tmp_path) + '/', pipeline=[])


def test_wrappers(tmp_path):
    ds = coco(tmp_path, clean=True)
    repeated = build_dataset(dict(type='RepeatDataset', times=3, dataset=dict(
        type='CocoDataset', ann_file=write_coco(tmp_path), pipeline=[], classes=CLASSES)))
    assert isinstance(repeated, RepeatDataset) and len(repeated) == 6 and repeated.flag.tolist() == [1, 0] * 3
    assert repeated.get_ann_info(3)['labels'].tolist() == [2]
    concat = ConcatDataset([ds, coco(tmp_path, clean=True)])
    assert len(concat) == 4 and concat.get_ann_info(2)['labels'].tolist() == [0, 1]
    out = concat.evaluate(perfect_results(ds) * 2, metric='bbox')
    assert out['0_bbox_mAP'] == 1.0 and out['1_bbox_mAP'] == 1.0
    with pytest.raises(NotImplementedError):
        ConcatDataset([ds, ds], separate_eval=False)
    assert len(build_dataset(dict(type='CocoDataset', ann_file=[write_coco(tmp_path)] * 2, pipeline=[],
                                  classes=CLASSES))) == 4
    balanced = ClassBalancedDataset(ds, oversample_thr=1.0)
    # cat in 1/2 of images -> r=sqrt(2); image a (cat, dog) and b (bird) both -> ceil(1.41) = 2 copies
    assert balanced.repeat_indices == [0, 0, 1, 1] and len(balanced.flag) == 4
    with pytest.raises(KeyError, match="Did you mean 'CocoDataset'"):
        build_dataset(dict(type='CocoDatset', ann_file='x'))


@pytest.mark.parametrize('case', ['missing', 'corrupt', 'empty_file'])
def test_unreadable_images_are_named_with_the_fix(tmp_path, case):
    (tmp_path / 'img').mkdir()
    if case == 'corrupt':
        (tmp_path / 'img' / 'a.jpg').write_bytes(b'\xff\xd8\xff\xe0 truncated jpeg')
    elif case == 'empty_file':
        (tmp_path / 'img' / 'a.jpg').write_bytes(b'')
    ann = write_coco(tmp_path, images=[dict(id=1, file_name='a.jpg', width=100, height=80)],
                     annotations=[dict(id=1, image_id=1, category_id=1, bbox=[10, 10, 30, 20], area=600, iscrowd=0)])
    ds = CocoDataset(ann_file=ann, img_prefix=str(tmp_path / 'img'), classes=CLASSES,
                     pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True)])
    expected = {'missing': (FileNotFoundError, 'LoadImageFromFile failed on a.jpg: img file does not exist'),
                'corrupt': (ValueError, 'a.jpg: cannot decode image .*corrupt or not an image; remove it'),
                'empty_file': (ValueError, 'a.jpg.*empty')}[case]
    with pytest.raises(expected[0], match=expected[1]):
        ds[0]
