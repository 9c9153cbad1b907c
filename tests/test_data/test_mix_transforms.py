"""YOLOX's training transforms against mmdet 2.28.2: the same boxes and labels under the same NumPy seeds, images
within resampling differences (mmdet resizes and warps with OpenCV, mmlite with PyTorch), and
MultiImageMixDataset feeding and skipping them.

tests/data/mmdet2282_mix_transforms_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, OpenCV 4, CPU):
per case the transform's output boxes, labels and image (every second row and column) after
``np.random.seed(seed)``, and the next draw of NumPy's generator (the transform drew as many numbers).
``_samples()`` rebuilds the inputs exactly as that script did.
"""
import copy
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.datasets import MultiImageMixDataset, build_dataset
from mmlite.datasets.pipelines import MixUp, Mosaic, RandomAffine, YOLOXHSVRandomAug

GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_mix_transforms_golden.pth'),
                    weights_only=False)
TRANSFORMS = {
    'mosaic': lambda: Mosaic(img_scale=(64, 96), pad_val=114.0),
    'mosaic_filter': lambda: Mosaic(img_scale=(64, 96), min_bbox_size=12, skip_filter=False, bbox_clip_border=False),
    'affine': lambda: RandomAffine(scaling_ratio_range=(0.5, 1.5), border=(-16, -24)),
    'affine_filter': lambda: RandomAffine(max_rotate_degree=30, max_shear_degree=10, skip_filter=False,
                                          min_bbox_size=4),
    'mixup': lambda: MixUp(img_scale=(64, 96), ratio_range=(0.8, 1.6), pad_val=114.0),
    'mixup_filter': lambda: MixUp(img_scale=(64, 96), skip_filter=False, min_bbox_size=3),
    'mixup_empty': lambda: MixUp(img_scale=(64, 96)),
    'hsv': lambda: YOLOXHSVRandomAug(),
}
# mean absolute difference of the images (0-255): OpenCV's fixed-point resizing, and its x86 wheels' own path back
# from 8-bit HSV (hue range 180: one level off in about a third of the values); warps are exact
IMAGE_TOLERANCE = {'mosaic': 1.0, 'affine': 0.0, 'mixup': 1.0, 'hsv': 0.5}


def _sample(seed, h, w, n):
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 255 / w), (yy * 255 / h), ((xx + yy) * 127 / (h + w)) + 60], -1)
    img = (img + rng.randint(0, 20, (h, w, 3))).clip(0, 255).astype(np.uint8)
    xy = rng.uniform(0, 1, (n, 2)) * [w * 0.7, h * 0.7]
    wh = rng.uniform(8, 40, (n, 2))
    boxes = np.concatenate([xy, np.minimum(xy + wh, [w, h])], 1).astype(np.float32)
    labels = rng.randint(0, 3, n).astype(np.int64)
    return dict(img=img, img_shape=img.shape, ori_shape=img.shape, gt_bboxes=boxes, gt_labels=labels,
                bbox_fields=['gt_bboxes'])


def _samples():
    samples = [_sample(i, 60 + 17 * i, 80 + 11 * i, 2 + i % 3) for i in range(6)]
    samples.append(dict(_sample(9, 50, 70, 1), gt_bboxes=np.zeros((0, 4), np.float32),
                        gt_labels=np.zeros(0, np.int64)))
    return samples


@pytest.mark.parametrize('case', GOLDEN['cases'], ids=lambda c: f"{c['name']}-{c['seed']}")
def test_transform_matches_mmdet(case):
    samples = _samples()
    results = copy.deepcopy(samples[case['base']])
    if case['mix'] is not None:
        results['mix_results'] = [copy.deepcopy(samples[i]) for i in case['mix']]
    np.random.seed(case['seed'])
    out = TRANSFORMS[case['name']]()(results)
    assert np.random.randint(0, 1 << 30) == case['state']  # as many random draws as mmdet
    np.testing.assert_allclose(out['gt_bboxes'], case['gt_bboxes'], rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(out['gt_labels'], case['gt_labels'])
    img = out['img'][::2, ::2]
    assert img.shape == case['img'].shape and img.dtype == case['img'].dtype
    diff = np.abs(img.astype(np.float32) - case['img'].astype(np.float32)).mean()
    assert diff <= IMAGE_TOLERANCE[case['name'].split('_')[0]], diff


def test_transforms_need_mix_results_and_check_arguments():
    sample = _samples()[0]
    with pytest.raises(KeyError, match='MultiImageMixDataset'):
        Mosaic(img_scale=(64, 96))(copy.deepcopy(sample))
    with pytest.raises(TypeError, match=r'img_scale must be a tuple \(h, w\)'):
        MixUp(img_scale=[64, 96])
    with pytest.raises(ValueError, match='scaling_ratio_range'):
        RandomAffine(scaling_ratio_range=(0, 1))
    with pytest.raises(NotImplementedError, match='masks'):
        RandomAffine()(dict(copy.deepcopy(sample), gt_masks=None))


def test_hsv_with_zero_deltas_keeps_the_image():
    sample = _samples()[1]
    out = YOLOXHSVRandomAug(0, 0, 0)(copy.deepcopy(sample))
    diff = np.abs(out['img'].astype(int) - sample['img'].astype(int))
    assert diff.mean() < 0.5 and diff.max() <= 6  # the 8-bit HSV round trip (hue in 2-degree steps)


class _ListDataset:
    CLASSES = ('a', 'b', 'c')

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        return copy.deepcopy(self.samples[idx])

    def get_ann_info(self, idx):
        return dict(bboxes=self.samples[idx]['gt_bboxes'], labels=self.samples[idx]['gt_labels'])


def test_multi_image_mix_dataset_feeds_and_skips_the_mixing_transforms():
    samples = _samples()
    pipeline = [dict(type='Mosaic', img_scale=(64, 96)), dict(type='MixUp', img_scale=(64, 96)),
                dict(type='RandomAffine', border=(-32, -48))]
    dataset = MultiImageMixDataset(_ListDataset(samples), pipeline)
    assert len(dataset) == len(samples) and dataset.CLASSES == ('a', 'b', 'c')
    np.random.seed(0)
    item = dataset[0]
    assert item['img'].shape == (64, 96, 3) and 'mix_results' not in item
    assert len(item['gt_bboxes']) == len(item['gt_labels']) >= len(samples[0]['gt_bboxes'])
    dataset.update_skip_type_keys(['Mosaic', 'RandomAffine', 'MixUp'])
    plain = dataset[3]
    np.testing.assert_array_equal(plain['img'], samples[3]['img'])
    with pytest.raises(TypeError, match='skip_type_keys'):
        dataset.update_skip_type_keys([Mosaic])


def test_multi_image_mix_dataset_reports_a_pipeline_that_always_fails():
    pipeline = [dict(type='FilterAnnotations', min_gt_bbox_wh=(1e4, 1e4))]
    dataset = MultiImageMixDataset(_ListDataset(_samples()), pipeline, max_refetch=3)
    with pytest.raises(RuntimeError, match='FilterAnnotations returned None 3 times'):
        dataset[0]
    with pytest.raises(ValueError, match='dynamic_scale'):
        MultiImageMixDataset(_ListDataset([]), [], dynamic_scale=(640, 640))


def test_build_dataset_wraps_the_inner_dataset(tmp_path):
    from mmlite.datasets import make_toy_coco
    root = make_toy_coco(str(tmp_path / 'toy'), num_train=4, num_val=1)
    cfg = dict(type='MultiImageMixDataset', pipeline=[dict(type='Mosaic', img_scale=(64, 64))],
               dataset=dict(type='ToyCocoDataset', ann_file=f'{root}/annotations/instances_train.json',
                            img_prefix=f'{root}/train/', filter_empty_gt=False,
                            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True)]))
    dataset = build_dataset(cfg)
    assert isinstance(dataset, MultiImageMixDataset) and len(dataset) == 4
    assert dataset[1]['img'].shape == (128, 128, 3)
