"""The embedded toy data set: deterministic, atomic, usable through ToyCocoDataset."""
import json
import os

import numpy as np
import pytest

from mmlite.datasets import TOY_CLASSES, ToyCocoDataset, make_toy_coco
from mmlite.datasets.coco import load_coco


def test_generation_is_deterministic_and_valid_coco(tmp_path):
    a = make_toy_coco(str(tmp_path / 'a'), num_train=12, num_val=4, seed=1)
    b = make_toy_coco(str(tmp_path / 'b'), num_train=12, num_val=4, seed=1)
    for split in ('train', 'val'):
        ja = json.load(open(os.path.join(a, 'annotations', f'instances_{split}.json')))
        jb = json.load(open(os.path.join(b, 'annotations', f'instances_{split}.json')))
        assert ja == jb
        coco = load_coco(os.path.join(a, 'annotations', f'instances_{split}.json'))
        assert [c['name'] for c in ja['categories']] == list(TOY_CLASSES)
        for ann in ja['annotations']:
            image = coco.imgs[ann['image_id']]
            x, y, w, h = ann['bbox']
            assert 0 <= x and 0 <= y and x + w <= image['width'] and y + h <= image['height']
            assert ann['area'] > 0 and len(ann['segmentation'][0]) >= 6
        assert len(os.listdir(os.path.join(a, split))) == len(ja['images'])
    ids = [ann['id'] for split in ('train', 'val')
           for ann in json.load(open(os.path.join(a, 'annotations', f'instances_{split}.json')))['annotations']]
    assert len(ids) == len(set(ids))
    assert not [d for d in os.listdir(tmp_path) if d.startswith('.toy_coco_')]  # no temp leftovers


def test_generation_skips_complete_sets_and_never_touches_other_folders(tmp_path):
    root = str(tmp_path / 'toy')
    make_toy_coco(root, num_train=3, num_val=2)
    stamp = os.path.getmtime(os.path.join(root, 'annotations', 'instances_train.json'))
    make_toy_coco(root, num_train=3, num_val=2)
    assert os.path.getmtime(os.path.join(root, 'annotations', 'instances_train.json')) == stamp
    os.remove(os.path.join(root, '.complete'))  # not a (complete) toy set any more: left alone
    with pytest.raises(FileExistsError, match='is not a complete toy data set'):
        make_toy_coco(root, num_train=3, num_val=2)
    assert os.path.getmtime(os.path.join(root, 'annotations', 'instances_train.json')) == stamp
    mine = tmp_path / 'mine'
    mine.mkdir()
    (mine / 'notes.txt').write_text('precious')
    with pytest.raises(FileExistsError):
        make_toy_coco(str(mine))
    assert os.listdir(mine) == ['notes.txt'] and (mine / 'notes.txt').read_text() == 'precious'
    empty = tmp_path / 'empty'
    empty.mkdir()
    make_toy_coco(str(empty), num_train=2, num_val=1)  # an empty folder is filled
    assert os.path.isfile(empty / '.complete')


def test_toy_dataset_generates_only_at_the_toy_layout(tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'keep.txt').write_text('x')
    with pytest.raises(FileNotFoundError, match='mine.json'):  # a user's path: read as given, nothing made
        ToyCocoDataset(ann_file=str(data / 'mine.json'), img_prefix=str(data), pipeline=[])
    with pytest.raises(FileExistsError):  # the toy layout under a folder that holds other files
        ToyCocoDataset(ann_file=str(tmp_path / 'annotations' / 'instances_train.json'), img_prefix='', pipeline=[])
    assert sorted(os.listdir(tmp_path)) == ['data'] and os.listdir(data) == ['keep.txt']


def test_toy_dataset_generates_on_first_use(tmp_path):
    ds = ToyCocoDataset(ann_file='annotations/instances_val.json', img_prefix='val/',
                        data_root=str(tmp_path / 'toy') + '/', num_train=4, num_val=6,
                        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_mask=True)])
    assert ds.CLASSES == TOY_CLASSES and 0 < len(ds) <= 6
    sample = ds[0]
    assert sample['img'].shape[2] == 3 and len(sample['gt_bboxes']) == len(sample['gt_masks'])
    with pytest.raises(FileNotFoundError):
        ds.pipeline(dict(img_info=dict(filename='nope.jpg'), img_prefix=str(tmp_path), bbox_fields=[]))


def test_semantic_maps_are_generated_for_the_toy_seg_prefix_and_agree_with_the_masks(tmp_path):
    """HTC's semantic branch on the toy set: ``seg_prefix`` at the toy layout writes one class map per image
    (shape classes, background = 3); the pipeline loads it next to the instance masks it agrees with."""
    root = tmp_path / 'toy'
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_mask=True, with_seg=True)]
    ds = ToyCocoDataset(ann_file='annotations/instances_train.json', img_prefix='train/', data_root=str(root) + '/',
                        seg_prefix='stuffthingmaps/train/', num_train=5, num_val=2, pipeline=pipeline)
    assert sorted(os.listdir(root / 'stuffthingmaps')) == ['train']  # only the split asked for
    assert len([f for f in os.listdir(root / 'stuffthingmaps' / 'train') if f.endswith('.png')]) == 5
    for i in range(len(ds)):
        sample = ds[i]
        seg, masks = sample['gt_semantic_seg'], sample['gt_masks'].masks.astype(bool)
        assert seg.shape == sample['img'].shape[:2] and set(np.unique(seg)) <= {0, 1, 2, len(TOY_CLASSES)}
        single = masks.sum(0) == 1
        expected = sample['gt_labels'][masks.argmax(0)]
        # the maps and the masks rasterise the same polygons (PIL vs pycocotools): edges may differ
        assert (seg[single] == expected[single]).mean() > 0.97
        assert (seg[masks.sum(0) == 0] == len(TOY_CLASSES)).mean() > 0.97
    stamp = os.path.getmtime(root / 'stuffthingmaps' / 'train' / '.complete')
    ToyCocoDataset(ann_file='annotations/instances_train.json', img_prefix='train/', data_root=str(root) + '/',
                   seg_prefix='stuffthingmaps/train/', pipeline=pipeline)
    assert os.path.getmtime(root / 'stuffthingmaps' / 'train' / '.complete') == stamp  # made once
    ToyCocoDataset(ann_file='annotations/instances_val.json', img_prefix='val/', data_root=str(root) + '/',
                   seg_prefix=str(tmp_path / 'elsewhere'), pipeline=[])
    assert not (tmp_path / 'elsewhere').exists() and sorted(os.listdir(root / 'stuffthingmaps')) == ['train']


def test_semantic_maps_without_seg_prefix_say_what_to_set(tmp_path):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_seg=True)]
    ds = ToyCocoDataset(ann_file='annotations/instances_train.json', img_prefix='train/',
                        data_root=str(tmp_path / 'toy') + '/', num_train=2, num_val=1, pipeline=pipeline)
    with pytest.raises(ValueError, match='seg_prefix'):
        ds[0]
