"""FilterAnnotations, CutOut and RandomShift against mmdet 2.28.2: the same outputs for the same NumPy seed
(tests/data/mmdet2282_instance_transforms_golden.json; images compared by SHA-256)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from mmlite.core.mask import BitmapMasks
from mmlite.datasets.pipelines import Compose, CutOut, FilterAnnotations, RandomShift

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmdet2282_instance_transforms_golden.json').read_text())
CASES = [(FilterAnnotations, dict(min_gt_bbox_wh=(1.0, 1.0))),
         (FilterAnnotations, dict(min_gt_bbox_wh=(100, 100), keep_empty=False)),
         (FilterAnnotations, dict(min_gt_bbox_wh=(100, 100))),
         (FilterAnnotations, dict(by_box=False, by_mask=True, min_gt_mask_area=2)),
         (CutOut, dict(n_holes=(1, 4), cutout_shape=[(4, 4), (10, 3)])),
         (CutOut, dict(n_holes=2, cutout_ratio=(0.3, 0.2), fill_in=(255, 0, 0))),
         (RandomShift, dict(shift_ratio=1.0, max_shift_px=10)),
         (RandomShift, dict(shift_ratio=0.5, max_shift_px=40, filter_thr_px=4))]


def _sample(seed: int, with_mask: bool, with_ignore: bool) -> dict:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (40, 50, 3)).astype(np.uint8)
    xy, wh = rng.uniform(0, 40, (5, 2)), rng.uniform(0, 12, (5, 2))
    wh[0] = 0.5
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    results = dict(img=img, img_shape=img.shape, gt_bboxes=boxes, gt_labels=np.arange(5), img_fields=['img'],
                   bbox_fields=['gt_bboxes'])
    if with_ignore:
        results.update(gt_bboxes_ignore=boxes[:2] + 1, bbox_fields=['gt_bboxes_ignore', 'gt_bboxes'])
    if with_mask:
        masks = (rng.random((5, 40, 50)) > 0.995).astype(np.uint8)
        masks[2] = 0
        results['gt_masks'] = BitmapMasks(masks, 40, 50)
    return results


def _summary(results):
    if results is None:
        return None
    out = {}
    for key in ('img', 'gt_bboxes', 'gt_labels', 'gt_bboxes_ignore', 'gt_masks'):
        value = results.get(key)
        if key == 'img':
            out[key] = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        elif isinstance(value, BitmapMasks):
            out[key] = value.masks.sum(axis=(1, 2)).tolist()
        elif value is not None:
            out[key] = value.tolist()
    return out


@pytest.mark.parametrize('case', range(len(CASES)))
def test_matches_mmdet_for_the_same_seed(case):
    transform, kwargs = CASES[case]
    for seed in range(6):
        np.random.seed(seed)
        results = transform(**kwargs)(_sample(seed, 'by_mask' in kwargs, transform is not RandomShift))
        assert _summary(results) == GOLDEN[case * 6 + seed], f'seed {seed}'


def test_random_shift_is_all_or_nothing_and_refuses_masks():
    results = _sample(0, with_mask=False, with_ignore=True)
    results['gt_bboxes'] = np.array([[0, 0, 3, 3]], np.float32)  # seed 1 shifts by (-28, 32): clipped away
    results['gt_labels'] = np.array([0])
    ignored = results['gt_bboxes_ignore'].copy()
    img = results['img'].copy()
    np.random.seed(1)
    out = RandomShift(shift_ratio=1.0, max_shift_px=40, filter_thr_px=2)(results)
    np.testing.assert_array_equal(out['gt_bboxes_ignore'], ignored)  # mmdet shifted these, then gave up
    np.testing.assert_array_equal(out['img'], img)
    with pytest.raises(ValueError, match='masks or segmentation maps would no longer match'):
        RandomShift(shift_ratio=1.0)(dict(_sample(0, True, False), mask_fields=['gt_masks']))


def test_filter_annotations_in_a_pipeline_and_errors():
    pipeline = Compose([dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
                        dict(type='CutOut', n_holes=1, cutout_ratio=[(0.1, 0.1)])])
    np.random.seed(0)
    assert len(pipeline(_sample(3, False, False))['gt_bboxes']) == 5
    with pytest.raises(KeyError, match='LoadAnnotations\\(with_mask=True\\)'):
        FilterAnnotations(by_mask=True)(_sample(0, False, False))
    with pytest.raises(ValueError, match='by_box or by_mask'):
        FilterAnnotations(by_box=False)
    with pytest.raises(ValueError, match='exactly one of cutout_shape and cutout_ratio'):
        CutOut(1)
    with pytest.raises(ValueError, match='0 <= min < max'):
        CutOut((3, 1), cutout_shape=(2, 2))
