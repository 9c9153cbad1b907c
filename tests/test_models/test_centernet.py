"""CenterNet: same configs, layout, detections (plain and flip-merged) and losses as mmdet 2.28.2; its Gaussian
target helpers and RandomCenterCropPad (train crops under the same NumPy seeds, test padding) too.

tests/data/mmdet2282_centernet_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on
centernet_resnet18_dcnv2_140e_coco.py shrunk as in ``_tiny.py``: backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16; DCN offsets small); the image metas
carry a RandomCenterCropPad border. mmdet2282_centernet_layout.json holds mmdet's merged centernet/ configs and
the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.datasets.pipelines import RandomCenterCropPad
from mmlite.models.utils import draw_gaussian_targets, gaussian_radius, gen_gaussian_target

from ._tiny import CONFIGS, full_size_layout, merged_config
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, assert_log_vars_match, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
CN_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_centernet_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_centernet_layout.json')))
EXPECTED = CN_GOLDEN['models']['centernet']


def _model():
    return tiny_golden_model('centernet', CN_GOLDEN['weights']['centernet'])


def _metas():
    border = np.array([4., 92., 6., 122.], dtype=np.float32)  # the image inside a RandomCenterCropPad canvas
    return [dict(m, scale_factor=np.array(m['scale_factor'], dtype=np.float32), border=border,
                 batch_input_shape=(96, 128)) for m in GOLDEN['metas']]


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'centernet', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'centernet', name)) == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    model = _model().eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
        meta = _metas()[0]
        flipped = model.aug_test([GOLDEN['img'][:1], GOLDEN['img'][:1].flip(-1)],
                                 [[dict(meta)], [dict(meta, flip=True, flip_direction='horizontal')]], rescale=True)
    for mine, theirs in zip(results, EXPECTED['simple_test']):
        _assert_dets_equal(mine, theirs)
    _assert_dets_equal(flipped[0], EXPECTED['aug_test'][0])
    assert sum(len(d) for d in results[0]) == 20  # topk peaks, no NMS


@pytest.mark.parametrize('key, objects', [('log_vars', 2), ('log_vars_one_empty', 1)])
def test_losses_match_mmdet(key, objects):
    model = _model().train()
    gt_bboxes = list(GOLDEN['gt_bboxes'][:objects]) + [torch.zeros((0, 4))] * (2 - objects)
    gt_labels = list(GOLDEN['gt_labels'][:objects]) + [torch.zeros((0, ), dtype=torch.long)] * (2 - objects)
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes, gt_labels)
    assert_log_vars_match(model._parse_losses(losses)[1], EXPECTED[key])


def test_gaussian_helpers_match_mmdet():
    sizes = [(3.0, 4.0), (10.5, 2.25), (100., 37.), (0.5, 0.7), (64., 64.)]
    assert [float(gaussian_radius([torch.tensor(h), torch.tensor(w)], 0.3)) for h, w in sizes] == CN_GOLDEN['radii']
    heights, widths = torch.tensor([h for h, _ in sizes]), torch.tensor([w for _, w in sizes])
    assert gaussian_radius((heights, widths), 0.3).tolist() == CN_GOLDEN['radii']  # element-wise, same rounding
    centers, radii = [(3, 4), (29, 19), (10, 10), (12, 9), (0, 0)], [2, 5, 0, 3, 7]
    heat = torch.zeros(20, 30)
    for center, radius in zip(centers, radii):
        gen_gaussian_target(heat, center, radius)
    assert torch.equal(heat, CN_GOLDEN['heat'])
    batched = draw_gaussian_targets(torch.zeros(20, 30), torch.tensor(centers), torch.tensor(radii))
    assert torch.equal(batched, CN_GOLDEN['heat'])


def _crop_inputs():
    """The images, boxes and labels mmdet's crops were recorded on (the recording's NumPy stream)."""
    rng = np.random.RandomState(CN_GOLDEN['crop_inputs_seed'])
    for case in range(8):
        h, w = [(300, 400), (200, 150), (512, 640), (90, 700)][case % 4]
        img = (rng.rand(h, w, 3) * 255).astype(np.float32)
        n = rng.randint(0, 4)
        rng.rand(n, 2), rng.rand(n, 2), rng.randint(0, 3, n)  # the boxes and labels, stored in the golden
        yield img


@pytest.mark.parametrize('case', range(8))
def test_random_center_crop_pad_matches_mmdet(case):
    img = list(_crop_inputs())[case]
    expected = CN_GOLDEN['crops'][case]
    np.random.seed(expected['seed'])
    out = RandomCenterCropPad(**expected['kw'])(dict(
        img=img.copy(), gt_bboxes=expected['boxes'].copy(), gt_labels=expected['labels'].copy(),
        bbox_fields=['gt_bboxes'], img_shape=img.shape))
    assert out['img'].shape == expected['out_shape']
    assert float(out['img'].astype(np.float64).sum()) == pytest.approx(expected['out_img_sum'], rel=1e-9)
    np.testing.assert_array_equal(out['gt_bboxes'], expected['out_boxes'])
    np.testing.assert_array_equal(out['gt_labels'], expected['out_labels'])
    test_out = RandomCenterCropPad(**expected['test_kw'])(dict(img=img.copy(), img_shape=img.shape))
    assert test_out['img'].shape == expected['test_shape']
    np.testing.assert_array_equal(test_out['border'], expected['test_border'])
    assert float(test_out['img'].astype(np.float64).sum()) == pytest.approx(expected['test_img_sum'], rel=1e-9)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(crop_size=None, mean=[0] * 3, std=[1] * 3, to_rgb=True, test_pad_mode=None), ValueError, 'crop_size'),
    (dict(crop_size=(8, 8), mean=[0] * 3, std=[1] * 3, to_rgb=True), ValueError, 'test_pad_mode must be None'),
    (dict(crop_size=(8, 8), test_pad_mode=None), ValueError, 'needs mean, std and to_rgb'),
    (dict(crop_size=None, ratios=None, border=None, mean=[0] * 3, std=[1] * 3, to_rgb=True, test_mode=True,
          test_pad_mode=('pad', 3)), ValueError, "'logical_or', n"),
])
def test_random_center_crop_pad_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        RandomCenterCropPad(**kwargs)


def test_random_center_crop_pad_needs_float_images():
    crop = RandomCenterCropPad(crop_size=(8, 8), mean=[0] * 3, std=[1] * 3, to_rgb=True, test_pad_mode=None)
    with pytest.raises(TypeError, match='to_float32=True'):
        crop(dict(img=np.zeros((10, 10, 3), np.uint8), gt_bboxes=np.zeros((0, 4), np.float32)))


def test_targets_keep_the_later_box_on_a_shared_centre_cell():
    head = _model().bbox_head
    boxes = torch.tensor([[8., 8., 24., 24.], [9., 9., 23., 25.]])  # both centres in cell (4, 4) at stride 4
    targets, avg_factor = head.get_targets([boxes], [torch.tensor([0, 2])], (1, 3, 16, 16), (64, 64, 3))
    assert targets['wh_target'][0, :, 4, 4].tolist() == [3.5, 4.0]  # the second box's size / 4
    assert targets['center_heatmap_target'][0, [0, 2], 4, 4].tolist() == [1.0, 1.0]
    assert avg_factor == 2 and targets['wh_offset_target_weight'].sum() == 2
