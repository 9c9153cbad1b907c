"""Pipeline steps: shapes, keys, box arithmetic, mask consistency, meta keys."""
import copy

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks, PolygonMasks
from mmlite.datasets import PIPELINES, replace_ImageToTensor
from mmlite.datasets.pipelines import Compose, to_tensor
from mmlite.parallel import DataContainer


def build(cfg):
    return PIPELINES.build(cfg)


def make_results(h=60, w=80, with_masks=True):
    img = (np.random.RandomState(0).rand(h, w, 3) * 255).astype(np.uint8)
    boxes = np.array([[10, 5, 30, 25], [40, 20, 79, 59]], dtype=np.float32)
    masks = np.zeros((2, h, w), dtype=np.uint8)
    masks[0, 5:25, 10:30] = 1
    masks[1, 20:60, 40:80] = 1
    results = dict(img=img, img_shape=img.shape, ori_shape=img.shape, img_fields=['img'],
                   gt_bboxes=boxes, gt_labels=np.array([0, 1]), bbox_fields=['gt_bboxes'],
                   mask_fields=[], seg_fields=[], filename='x.jpg', ori_filename='x.jpg')
    if with_masks:
        results['gt_masks'] = BitmapMasks(masks, h, w)
        results['mask_fields'] = ['gt_masks']
    return results


def masks_match_boxes(results):
    """The tight box of each mask must equal its gt box (transforms kept them consistent)."""
    boxes = results['gt_masks'].get_bboxes()
    scale = float(np.max(results.get('scale_factor', 1.0)))  # nearest-neighbour mask edges
    return np.allclose(boxes, results['gt_bboxes'], atol=1.01 + scale)


@pytest.mark.parametrize('scale,expected_shape', [((1333, 800), (800, 1067)), ((40, 30), (30, 40)),
                                                  ((512, 512), (384, 512))])
def test_resize_keep_ratio_follows_mmdet_rules(scale, expected_shape):
    results = build(dict(type='Resize', img_scale=scale, keep_ratio=True))(make_results())
    assert results['img_shape'][:2] == expected_shape
    h, w = expected_shape
    np.testing.assert_allclose(results['scale_factor'], [w / 80, h / 60, w / 80, h / 60], rtol=1e-6)
    assert results['scale_factor'].dtype == np.float32 and results['keep_ratio']
    assert results['pad_shape'] == results['img_shape']
    np.testing.assert_allclose(results['gt_bboxes'][0], [10 * w / 80, 5 * h / 60, 30 * w / 80, 25 * h / 60],
                               rtol=1e-5)
    assert results['gt_masks'].height == h and masks_match_boxes(results)


def test_resize_without_keep_ratio_and_clipping():
    results = make_results()
    results['gt_bboxes'] = np.array([[-5, -5, 100, 70]], dtype=np.float32)
    results['gt_labels'] = np.array([0])
    results.pop('gt_masks')
    results['mask_fields'] = []
    out = build(dict(type='Resize', img_scale=(40, 20), keep_ratio=False))(results)
    assert out['img_shape'][:2] == (20, 40)
    np.testing.assert_allclose(out['gt_bboxes'][0], [0, 0, 40, 20])


def test_resize_multiscale_modes(monkeypatch):
    np.random.seed(0)
    value = build(dict(type='Resize', img_scale=[(100, 50), (200, 100)], multiscale_mode='value'))
    seen = {value(make_results(with_masks=False))['scale'] for _ in range(20)}
    assert seen == {(100, 50), (200, 100)}
    rng = build(dict(type='Resize', img_scale=[(100, 50), (200, 100)], multiscale_mode='range'))
    scales = [rng(make_results(with_masks=False))['scale'] for _ in range(20)]
    assert all(100 <= s[0] <= 200 and 50 <= s[1] <= 100 for s in scales) and len(set(scales)) > 3
    ratio = build(dict(type='Resize', img_scale=(100, 50), ratio_range=(0.5, 2.0)))
    s = ratio(make_results(with_masks=False))['scale']
    assert 50 <= s[0] <= 200 and s[0] / s[1] == pytest.approx(2, abs=0.05)


def test_resize_uses_preset_scale_factor_and_errors():
    results = make_results(with_masks=False)
    results['scale_factor'] = 0.5
    out = build(dict(type='Resize', keep_ratio=True))(results)
    assert out['img_shape'][:2] == (30, 40)
    with pytest.raises(TypeError, match='img_scale'):
        build(dict(type='Resize', img_scale=[100, 50]))
    with pytest.raises(ValueError, match='ratio_range'):
        build(dict(type='Resize', img_scale=[(1, 1), (2, 2)], ratio_range=(0.5, 1.5)))
    with pytest.raises(KeyError, match='both'):
        results = make_results()
        results['scale'], results['scale_factor'] = (10, 10), 0.5
        build(dict(type='Resize', img_scale=(10, 10)))(results)


@pytest.mark.parametrize('direction,expected', [
    ('horizontal', [50, 5, 70, 25]), ('vertical', [10, 35, 30, 55]), ('diagonal', [50, 35, 70, 55])])
def test_random_flip_directions(direction, expected):
    results = build(dict(type='RandomFlip', flip_ratio=1.0, direction=direction))(make_results())
    assert results['flip'] and results['flip_direction'] == direction
    np.testing.assert_allclose(results['gt_bboxes'][0], expected)
    assert masks_match_boxes(results)
    flipped_twice = build(dict(type='RandomFlip', flip_ratio=1.0, direction=direction))(results)
    assert np.allclose(flipped_twice['gt_bboxes'], make_results()['gt_bboxes'])


def test_random_flip_ratio_lists_and_errors():
    np.random.seed(0)
    flip = build(dict(type='RandomFlip', flip_ratio=[0.3, 0.3], direction=['horizontal', 'vertical']))
    directions = [flip(make_results(with_masks=False))['flip_direction'] for _ in range(60)]
    assert {'horizontal', 'vertical', None} == set(directions)
    never = build(dict(type='RandomFlip', flip_ratio=0.0))(make_results())
    assert not never['flip'] and never['flip_direction'] is None
    with pytest.raises(ValueError):
        build(dict(type='RandomFlip', flip_ratio=1.5))
    with pytest.raises(ValueError, match='direction'):
        build(dict(type='RandomFlip', flip_ratio=0.5, direction='sideways'))


def test_pad_variants_and_masks():
    results = build(dict(type='Pad', size_divisor=32))(make_results())
    assert results['pad_shape'][:2] == (64, 96) and results['img'].shape == (64, 96, 3)
    assert results['gt_masks'].height == 64 and results['pad_size_divisor'] == 32
    fixed = build(dict(type='Pad', size=(100, 120), pad_val=dict(img=5)))(make_results())
    assert fixed['img'].shape == (100, 120, 3) and fixed['img'][99, 119, 0] == 5
    square = build(dict(type='Pad', pad_to_square=True))(make_results())
    assert square['img'].shape[:2] == (80, 80)
    with pytest.warns(DeprecationWarning):
        build(dict(type='Pad', size_divisor=8, pad_val=3))
    with pytest.raises(ValueError, match='exactly one'):
        build(dict(type='Pad'))


def test_normalize_and_default_format_bundle():
    results = build(dict(type='Normalize', mean=[10, 20, 30], std=[2, 2, 2], to_rgb=True))(make_results())
    raw = make_results()['img'].astype(np.float32)
    np.testing.assert_allclose(results['img'][..., 0], (raw[..., 2] - 10) / 2, rtol=1e-6)
    assert results['img_norm_cfg']['to_rgb']
    bundle = build(dict(type='DefaultFormatBundle'))(results)
    assert isinstance(bundle['img'], DataContainer) and bundle['img'].stack
    assert bundle['img'].data.shape == (3, 60, 80) and bundle['img'].data.dtype == torch.float32
    assert bundle['gt_bboxes'].data.dtype == torch.float32 and bundle['gt_labels'].data.dtype == torch.int64
    assert bundle['gt_masks'].cpu_only and isinstance(bundle['gt_masks'].data, BitmapMasks)
    plain = build(dict(type='DefaultFormatBundle'))(make_results(with_masks=False))
    assert plain['scale_factor'] == 1.0 and plain['pad_shape'] == (60, 80, 3)  # default meta keys


def test_collect_meta_keys_and_errors():
    results = build(dict(type='DefaultFormatBundle'))(build(dict(type='RandomFlip', flip_ratio=0.0))(
        build(dict(type='Resize', img_scale=(40, 30)))(build(dict(type='Normalize', mean=[0] * 3, std=[1] * 3))(
            make_results()))))
    data = build(dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']))(results)
    assert set(data) == {'img', 'gt_bboxes', 'gt_labels', 'img_metas'}
    meta = data['img_metas'].data
    assert data['img_metas'].cpu_only and set(meta) == {
        'filename', 'ori_filename', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
        'flip_direction', 'img_norm_cfg'}
    with pytest.raises(KeyError, match="no \\['gt_semantic_seg'\\]"):
        build(dict(type='Collect', keys=['img', 'gt_semantic_seg']))(results)


def test_tensor_steps_and_containers():
    img_results = build(dict(type='ImageToTensor', keys=['img']))(make_results())
    assert img_results['img'].shape == (3, 60, 80)
    gray = build(dict(type='ImageToTensor', keys=['img']))(dict(img=np.zeros((4, 5), np.uint8)))
    assert gray['img'].shape == (1, 4, 5)
    assert build(dict(type='ToTensor', keys=['gt_labels']))(make_results())['gt_labels'].dtype == torch.int64
    assert build(dict(type='Transpose', keys=['img'], order=[2, 0, 1]))(make_results())['img'].shape == (3, 60, 80)
    wrapped = build(dict(type='ToDataContainer', fields=[dict(key='gt_labels', stack=False)]))(make_results())
    assert isinstance(wrapped['gt_labels'], DataContainer)
    assert to_tensor(3).tolist() == [3] and to_tensor(1.5).tolist() == [1.5] and to_tensor([1, 2]).tolist() == [1, 2]
    with pytest.raises(TypeError):
        to_tensor('text')


def test_multi_scale_flip_aug_produces_every_combination():
    aug = build(dict(type='MultiScaleFlipAug', img_scale=[(40, 30), (80, 60)], flip=True,
                     flip_direction=['horizontal', 'vertical'],
                     transforms=[dict(type='Resize', keep_ratio=True), dict(type='RandomFlip'),
                                 dict(type='Normalize', mean=[0] * 3, std=[1] * 3), dict(type='Pad', size_divisor=32),
                                 dict(type='ImageToTensor', keys=['img']), dict(type='Collect', keys=['img'])]))
    out = aug(make_results(with_masks=False))
    assert len(out['img']) == 6 and len(out['img_metas']) == 6
    metas = [m.data for m in out['img_metas']]
    assert [(m['img_shape'][:2], m['flip_direction']) for m in metas][:3] == [
        ((30, 40), None), ((30, 40), 'horizontal'), ((30, 40), 'vertical')]
    by_factor = build(dict(type='MultiScaleFlipAug', scale_factor=0.5,
                           transforms=[dict(type='Resize', keep_ratio=True)]))
    assert by_factor(make_results(with_masks=False))['img_shape'][0][:2] == (30, 40)
    with pytest.raises(ValueError, match='exactly one'):
        build(dict(type='MultiScaleFlipAug', transforms=[]))


def test_polygon_masks_follow_the_same_geometry():
    poly = PolygonMasks([[np.array([10, 5, 30, 5, 30, 25, 10, 25], dtype=np.float64)]], 60, 80)
    results = make_results()
    results['gt_masks'] = poly
    results['gt_bboxes'] = results['gt_bboxes'][:1]
    for step in (dict(type='Resize', img_scale=(160, 120)), dict(type='RandomFlip', flip_ratio=1.0),
                 dict(type='Pad', size_divisor=32)):
        results = build(step)(results)
    bitmap = results['gt_masks'].to_bitmap()
    assert bitmap.height == results['pad_shape'][0]
    np.testing.assert_allclose(bitmap.get_bboxes()[0], results['gt_bboxes'][0], atol=1.01)
    assert results['gt_masks'].areas[0] == pytest.approx(40 * 40)


def test_mask_crop_and_resize_for_mask_targets():
    masks = make_results()['gt_masks']
    targets = masks.crop_and_resize(np.array([[10., 5., 30., 25.]]), (7, 7), np.array([0]))
    assert targets.to_ndarray().shape == (1, 7, 7) and targets.to_ndarray().all()
    poly = PolygonMasks([[np.array([10, 5, 30, 5, 30, 25, 10, 25], dtype=np.float64)]], 60, 80)
    assert poly.crop_and_resize(np.array([[10., 5., 30., 25.]]), (7, 7), np.array([0])).to_ndarray().all()


@pytest.mark.parametrize('step', [
    dict(type='PhotoMetricDistortion'), dict(type='Expand', prob=1.0, ratio_range=(1.5, 2)),
    dict(type='MinIoURandomCrop', min_ious=(0.1, ), min_crop_size=0.5),
    dict(type='RandomCrop', crop_size=(40, 50), allow_negative_crop=True)])
def test_ssd_style_augmentations_keep_boxes_in_image(step):
    np.random.seed(3)
    for _ in range(5):
        results = make_results()
        results['img'] = results['img'].astype(np.float32)
        out = build(copy.deepcopy(step))(results)
        h, w = out['img'].shape[:2]
        boxes = out['gt_bboxes']
        assert len(boxes) == len(out['gt_labels']) == len(out['gt_masks'])
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= w + 1e-3).all() and (boxes[:, 3] <= h + 1e-3).all()
        assert out['gt_masks'].height == h or step['type'] == 'PhotoMetricDistortion'
        assert boxes.dtype == np.float32, step['type']  # (NumPy 2 promotes float32 - int64 to float64)


def test_photometric_distortion_takes_uint8_images_as_float32():
    # mmdet >= 2.25 casts (its SSD300 and YOLACT configs load uint8 images); the same draws give the same image
    distort, results = build(dict(type='PhotoMetricDistortion')), make_results()
    assert results['img'].dtype == np.uint8
    np.random.seed(3)
    out = distort(dict(results, img=results['img'].copy()))['img']
    np.random.seed(3)
    expected = distort(dict(results, img=results['img'].astype(np.float32)))['img']
    assert out.dtype == np.float32 and np.array_equal(out, expected)
    assert not np.array_equal(out, results['img'].astype(np.float32))


def test_compose_names_the_failing_step_and_image():
    pipeline = Compose([dict(type='Resize', img_scale=(40, 30)), dict(type='Collect', keys=['nothing'])])
    with pytest.raises(KeyError) as info:
        pipeline(make_results())
    assert 'Collect failed on x.jpg' in str(info.value)
    with pytest.raises(KeyError, match="pipeline\\[0\\].type"):
        Compose([dict(type='Rezise')])
    assert Compose([lambda r: None, dict(type='Resize', img_scale=(1, 1))])(make_results()) is None


def test_replace_image_to_tensor():
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='MultiScaleFlipAug', transforms=[dict(type='ImageToTensor', keys=['img'])])]
    with pytest.warns(UserWarning):
        replaced = replace_ImageToTensor(pipeline)
    assert replaced[1]['transforms'][0] == {'type': 'DefaultFormatBundle'}
    assert pipeline[1]['transforms'][0]['type'] == 'ImageToTensor'
