"""SOLO and SOLOv2: same configs, layouts, masks, scores and losses as mmdet 2.28.2; matrix NMS, the Dice loss and
the target-mask downsampling (OpenCV's bilinear values) too.

tests/data/mmdet2282_solo_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
solo/ and solov2/ configs shrunk as in ``_tiny.py`` (at most 20 detections an image): backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (float16; DCN offsets small). mmdet2282_solo_layout.json
holds mmdet's merged solo/ and solov2/ configs and full-size layouts.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core import InstanceData, mask_matrix_nms
from mmlite.core.mask import BitmapMasks
from mmlite.models import build_detector
from mmlite.models.dense_heads.solo_head import downsample_masks
from mmlite.models.detectors.single_stage_instance_seg import masks_to_boxes
from mmlite.models.losses import DiceLoss

from ._tiny import CONFIGS, SOLO, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _metas, _unpack, assert_log_vars_match, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
SOLO_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_solo_golden.pth'), weights_only=False)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_solo_layout.json')))


def _gt_masks(count=(None, None)):
    return [BitmapMasks(m.numpy()[:n], 96, 128) for m, n in zip(GOLDEN['gt_masks'], count)]


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', sorted(SOLO))
def test_masks_and_scores_match_mmdet(name):
    model = tiny_golden_model(name, SOLO_GOLDEN['weights'][name]).eval()
    expected = SOLO_GOLDEN['models'][name]
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bboxes, segms), scores, masks in zip(results, expected['scores'], expected['masks']):
        for cls, (dets, cls_scores, cls_masks) in enumerate(zip(bboxes, scores, masks)):
            np.testing.assert_allclose(dets[:, 4], cls_scores.numpy(), rtol=1e-4, atol=1e-5, err_msg=f'class {cls}')
            assert len(segms[cls]) == len(cls_masks)
            for box, mask, packed in zip(dets, segms[cls], cls_masks):
                ref = _unpack(packed)
                assert mask.dtype == bool and mask.shape == ref.shape == (120, 160)
                assert (mask != ref).sum() <= max(3, 0.01 * ref.sum()), f'class {cls}'
                # mmdet gave zero boxes; mmlite's are the masks' tight boxes
                np.testing.assert_array_equal(box[:4], masks_to_boxes(torch.from_numpy(mask)[None])[0].numpy())
    assert sum(len(d) for d in results[0][0]) == 20


@pytest.mark.parametrize('name', sorted(SOLO))
@pytest.mark.parametrize('key, objects', [('log_vars', 2), ('log_vars_one_empty', 1)])
def test_losses_match_mmdet(name, key, objects):
    model = tiny_golden_model(name, SOLO_GOLDEN['weights'][name]).train()
    empty = objects == 1
    gt_masks = _gt_masks((None, 0) if empty else (None, None))
    gt_bboxes = [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4)) if empty else GOLDEN['gt_bboxes'][1]]
    gt_labels = [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long) if empty else GOLDEN['gt_labels'][1]]
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_masks=gt_masks, gt_labels=gt_labels, gt_bboxes=gt_bboxes)
    log_vars = model._parse_losses(losses)[1]
    assert_log_vars_match(log_vars, SOLO_GOLDEN['models'][name][key])
    losses['loss_mask'].backward()
    assert model.mask_head.conv_cls.weight.grad is None or model.mask_head.conv_cls.weight.grad.abs().sum() == 0


def test_training_without_objects_gives_zero_mask_loss_with_gradients():
    model = tiny_golden_model('solov2', SOLO_GOLDEN['weights']['solov2']).train()
    empty = BitmapMasks(np.zeros((0, 96, 128), np.uint8), 96, 128)
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_masks=[empty, empty],
                                 gt_labels=[torch.zeros(0, dtype=torch.long)] * 2, gt_bboxes=[torch.zeros((0, 4))] * 2)
    assert losses['loss_mask'].item() == 0 and losses['loss_mask'].requires_grad
    assert torch.isfinite(losses['loss_cls'])


def test_boxes_default_to_the_masks_tight_boxes_when_not_given():
    model = tiny_golden_model('solo', SOLO_GOLDEN['weights']['solo']).train()
    masks = _gt_masks()
    with_boxes = model.forward_train(GOLDEN['img'], _metas(), gt_masks=masks, gt_labels=GOLDEN['gt_labels'],
                                     gt_bboxes=[torch.as_tensor(m.get_bboxes()) for m in masks])
    without = model.forward_train(GOLDEN['img'], _metas(), gt_masks=masks, gt_labels=GOLDEN['gt_labels'])
    assert with_boxes['loss_mask'].item() == without['loss_mask'].item()


def test_rescale_false_gives_masks_at_the_network_input_size():
    model = tiny_golden_model('solo', SOLO_GOLDEN['weights']['solo']).eval()
    metas = [dict(m, img_shape=(90, 120, 3), ori_shape=(45, 60, 3)) for m in _metas()]
    with torch.no_grad():
        scaled, unscaled = (model.simple_test(GOLDEN['img'], metas, rescale=r) for r in (True, False))
    assert {m.shape for cls in scaled[0][1] for m in cls} == {(45, 60)}
    assert {m.shape for cls in unscaled[0][1] for m in cls} == {(90, 120)}


def test_test_cfg_keys_are_checked():
    cfg = tiny_model_cfg('solo')
    cfg['test_cfg']['nms_thr'] = 0.5
    with pytest.raises(KeyError, match='model.test_cfg.nms_thr'):
        build_detector(cfg)
    cfg = tiny_model_cfg('solo')
    del cfg['test_cfg']['sigma']
    with pytest.raises(KeyError, match='sigma'):
        build_detector(cfg)
    cfg = tiny_model_cfg('solo')
    cfg['train_cfg'] = dict(assigner=dict(type='MaxIoUAssigner'))
    with pytest.raises(KeyError, match='model.train_cfg.assigner'):
        build_detector(cfg)


@pytest.mark.parametrize('key', sorted(SOLO_GOLDEN['matrix_nms']))
def test_matrix_nms_matches_mmdet(key):
    inputs, expected = SOLO_GOLDEN['matrix_nms_inputs'], SOLO_GOLDEN['matrix_nms'][key]
    scores, labels, masks, keep = mask_matrix_nms(inputs['masks'], inputs['labels'], inputs['scores'],
                                                  kernel=expected['kernel'], **expected['kw'])
    torch.testing.assert_close(scores, expected['scores'])
    assert labels.tolist() == expected['labels'].tolist() and keep.tolist() == expected['keep'].tolist()
    assert torch.equal(masks, inputs['masks'][keep])


def test_matrix_nms_rejects_unknown_kernels_and_handles_no_masks():
    with pytest.raises(NotImplementedError, match="'gaussian' or 'linear'"):
        mask_matrix_nms(torch.ones(2, 3, 3, dtype=torch.bool), torch.zeros(2, dtype=torch.long), torch.ones(2),
                        kernel='box')
    scores, labels, masks, keep = mask_matrix_nms(torch.zeros(0, 3, 3, dtype=torch.bool),
                                                  torch.zeros(0, dtype=torch.long), torch.zeros(0))
    assert scores.shape == (0, ) and masks.shape == (0, 3, 3) and keep.shape == (0, )


@pytest.mark.parametrize('key', sorted(SOLO_GOLDEN['dice']))
def test_dice_loss_matches_mmdet(key):
    kwargs, inputs = json.loads(key), SOLO_GOLDEN['dice_inputs']
    pred = inputs['pred'] if kwargs.get('activate', True) else inputs['pred'].sigmoid()
    torch.testing.assert_close(DiceLoss(**kwargs)(pred, inputs['target']), SOLO_GOLDEN['dice'][key])


def test_dice_loss_per_mask_and_weighted():
    inputs = SOLO_GOLDEN['dice_inputs']
    torch.testing.assert_close(DiceLoss()(inputs['pred'], inputs['target'], reduction_override='none'),
                               SOLO_GOLDEN['dice_none'])
    torch.testing.assert_close(DiceLoss()(inputs['pred'], inputs['target'], weight=torch.arange(6.), avg_factor=4.),
                               SOLO_GOLDEN['dice_weighted'])
    with pytest.raises(ValueError, match='one value per mask'):
        DiceLoss()(inputs['pred'], inputs['target'], weight=torch.ones(5))
    with pytest.raises(NotImplementedError, match='use_sigmoid=True'):
        DiceLoss(use_sigmoid=False)


def test_mask_downsampling_gives_opencv_bilinear_values():
    # mmcv.imrescale(mask, 1 / factor) (OpenCV 4, bilinear) on three 48x96 masks, recorded in mmcv 1.7.2
    recorded = np.load(osp.join(DATA, 'mmcv172_mask_rescale_golden.npz'))
    masks = torch.from_numpy(np.unpackbits(recorded['masks'])[:3 * 48 * 96].reshape(3, 48, 96).astype(bool))
    for factor in (2, 3, 4, 6, 8, 16):
        out = downsample_masks(masks, float(factor))
        assert out.dtype == torch.uint8 and torch.equal(out, torch.from_numpy(recorded[f'f{factor}'])), factor
    assert downsample_masks(masks[:, :47], 2.0).shape == (3, 24, 48)  # not divisible: the image resize


def test_masks_to_boxes_and_instance_data():
    masks = torch.zeros(3, 10, 12, dtype=torch.bool)
    masks[0, 2:5, 3:7] = True
    masks[1, 9, 11] = True
    assert masks_to_boxes(masks).tolist() == [[3, 2, 7, 5], [11, 9, 12, 10], [0, 0, 0, 0]]
    results = InstanceData(dict(img_shape=(10, 12, 3)))
    results.scores, results.labels = torch.tensor([0.9, 0.5, 0.1]), torch.tensor([0, 2, 1])
    results.masks = masks
    kept = results[results.scores > 0.3]
    assert len(kept) == 2 and kept.labels.tolist() == [0, 2] and kept.img_shape == (10, 12, 3)
    assert len(InstanceData.cat([kept, results[2]])) == 3
    with pytest.raises(ValueError, match='has 2 entries'):
        results.extra = torch.zeros(2)
    with pytest.raises(AttributeError, match='meta information'):
        results.img_shape = (1, 1, 3)
