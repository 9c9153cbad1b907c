"""AutoAugment: policy validation, uniform choice from numpy's generator, and the Swin/DETR multi-scale crop
pipeline against mmdet 2.28.2 (the ``pipeline`` section of tests/data/mmdet2282_swin_golden.json)."""
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmlite.datasets.pipelines import AutoAugment, Compose
from mmlite.utils import Config

ROOT = osp.join(osp.dirname(__file__), '..', '..')
GOLDEN = json.load(open(osp.join(ROOT, 'tests', 'data', 'mmdet2282_swin_golden.json')))['pipeline']


class Tag:
    """A transform that appends its name to ``results['seen']``."""

    def __init__(self, name):
        self.name = name

    def __call__(self, results):
        return dict(results, seen=results['seen'] + [self.name])


def test_one_policy_per_call_chosen_uniformly_by_numpy():
    augment = AutoAugment([[dict(type='RandomFlip', flip_ratio=0.)], [dict(type='RandomFlip', flip_ratio=0.)]])
    augment.transforms = [Compose([Tag('a'), Tag('b')]), Compose([Tag('c')])]
    np.random.seed(0)
    picks = [tuple(augment(dict(seen=[]))['seen']) for _ in range(400)]
    assert set(picks) == {('a', 'b'), ('c', )} and 150 < picks.count(('c', )) < 250
    np.random.seed(0)
    assert [np.random.randint(2) for _ in range(400)] == [int(p == ('c', )) for p in picks]
    assert 'policies=[[' in repr(augment)


@pytest.mark.parametrize('policies, match', [
    ([], r'policies must be a non-empty list'),
    ([[]], r'policies\[0\] must be a non-empty list'),
    ([[dict(type='Resize')], dict(type='Resize')], r'policies\[1\] must be a non-empty list'),
    ([[dict(img_scale=(1, 1))]], r'policies\[0\]\[0\] must be a dict with a "type"'),
])
def test_malformed_policies_are_named(policies, match):
    with pytest.raises(TypeError, match=match):
        AutoAugment(policies)


def test_unknown_transform_in_a_policy_is_named():
    with pytest.raises(KeyError, match='Rotat'):
        AutoAugment([[dict(type='Rotat', level=3)]])


def test_swin_multiscale_crop_pipeline_matches_mmdet(tmp_path):
    rng = np.random.RandomState(0)
    sizes = [(300, 420), (520, 380), (250, 250)]
    for i, (h, w) in enumerate(sizes):
        Image.fromarray((rng.rand(h, w, 3) * 255).astype(np.uint8)).save(tmp_path / f'img{i}.png')
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'swin', 'mask_rcnn_swin-t-p4-w7_fpn_ms-crop-3x_coco.py'))
    pipeline = Compose(cfg.data.train.pipeline[:4])  # load, annotations, flip, AutoAugment
    np.random.seed(7)
    for rep, expected in enumerate(GOLDEN):
        h, w = sizes[rep % 3]
        boxes = np.array([[10, 20, 200, 150], [w - 120, h - 100, w - 5, h - 3], [50, 60, 70, 90]], np.float32)
        polygons = [[[10, 20, 200, 20, 200, 150, 10, 150]], [[w - 120, h - 100, w - 5, h - 100, w - 60, h - 3]],
                    [[50, 60, 70, 60, 70, 90]]]
        results = pipeline(dict(
            img_info=dict(filename=f'img{rep % 3}.png', height=h, width=w), img_prefix=str(tmp_path),
            ann_info=dict(bboxes=boxes, labels=np.array([0, 1, 2]), masks=polygons,
                          bboxes_ignore=np.zeros((0, 4), np.float32)), bbox_fields=[], mask_fields=[], seg_fields=[]))
        masks = results['gt_masks'].to_ndarray()
        assert list(results['img_shape']) == expected['img_shape'] and bool(results['flip']) == expected['flip']
        assert [float(x) for x in results['scale_factor']] == expected['sf']
        assert results['gt_bboxes'].tolist() == expected['boxes']
        assert results['gt_labels'].tolist() == expected['labels']
        assert list(masks.shape) == expected['mask_shape']
        # polygon rasterisation and resampling: within a few edge pixels / one grey level of OpenCV's
        assert masks.reshape(len(masks), -1).sum(1).tolist() == pytest.approx(expected['mask_sums'], abs=4)
        assert abs(int(results['img'].astype(np.int64).sum()) - expected['img_sum']) < results['img'].size


def test_mmdet_autoaugment_policy_of_image_operations_runs():
    """A policy list in the style of mmdet's configs/autoaugment (v1 operations)."""
    policies = [[dict(type='ColorTransform', level=6, prob=1.0), dict(type='Shear', level=4, prob=1.0)],
                [dict(type='Rotate', level=3, prob=1.0), dict(type='Translate', level=5, prob=1.0)],
                [dict(type='EqualizeTransform', prob=1.0), dict(type='ContrastTransform', level=2, prob=1.0)]]
    augment = AutoAugment(policies)
    img = np.random.RandomState(0).randint(0, 256, (30, 40, 3)).astype(np.uint8)
    np.random.seed(0)
    for _ in range(6):
        results = augment(dict(img=img.copy(), img_shape=img.shape, gt_bboxes=np.array([[2., 3, 30, 25]], np.float32),
                               gt_labels=np.array([1]), bbox_fields=['gt_bboxes']))
        assert results['img'].shape == img.shape and results['img'].dtype == np.uint8
        assert not np.array_equal(results['img'], img)
        assert len(results['gt_bboxes']) == len(results['gt_labels']) <= 1
