"""MaskFormer: same configs, layout, panoptic maps, instance results and losses as mmdet 2.28.2.

tests/data/mmdet2282_maskformer_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
shipped maskformer_r50_mstrain_16x1_75e_coco.py shrunk as in ``_tiny.tiny_maskformer_cfg`` (test_cfg as recorded):
the backbone weights are those of mmdet2282_tiny_golden.pth, the head's random (float16; norm scales near 1, class
and mask embeddings and queries scaled up so that several queries win pixels); with its rescaled ``simple_test``
(panoptic maps as int16, instance boxes and packed masks), the training log (``torch.manual_seed(0)``, the
recorded semantic map: blocky thing and stuff labels with a 255 corner), the log with an image without any target,
and ``MaskFormerFusionHead`` on synthetic float16 query predictions under four test configs, with and without
rescaling. mmdet2282_maskformer_layout.json holds mmdet's merged maskformer/ configs and the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.apis import single_gpu_test
from mmlite.core import BitmapMasks
from mmlite.core.bbox import DiceCost, FocalLossCost
from mmlite.datasets import build_dataloader, build_dataset
from mmlite.models import build_detector, build_head
from mmlite.parallel import MMDataParallel
from mmlite.utils import Config, ConfigDict

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_maskformer_cfg
from .test_mmdet_golden import GOLDEN, _metas, assert_log_vars_match

DATA = osp.join(osp.dirname(__file__), '..', 'data')
MF_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_maskformer_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_maskformer_layout.json')))


def _metas_with_batch_shape():
    return [dict(meta, batch_input_shape=(96, 128)) for meta in _metas()]


def _model():
    cfg = tiny_maskformer_cfg()
    cfg['test_cfg'].update(MF_GOLDEN['test_cfg'])
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, MF_GOLDEN['weights'])


def _unpack(packed: torch.Tensor, width: int) -> np.ndarray:
    return np.unpackbits(packed.numpy(), axis=-1)[..., :width].astype(bool)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    keys = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'total_epochs')
    assert merged_config(osp.join(CONFIGS, name), keys) == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    assert full_size_layout(osp.join(CONFIGS, 'maskformer/maskformer_r50_mstrain_16x1_75e_coco.py')) == LAYOUT['layout']


def test_panoptic_and_instance_results_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas_with_batch_shape(), rescale=True)
    for result, pan, ins in zip(results, MF_GOLDEN['pan'], MF_GOLDEN['ins']):
        assert len(np.unique(result['pan_results'])) >= 4
        np.testing.assert_array_equal(result['pan_results'], pan.numpy())
        bbox, segm = result['ins_results']
        for label, (boxes, their_boxes) in enumerate(zip(bbox, ins['bbox'])):
            order, their_order = np.argsort(-boxes[:, 4], kind='stable'), np.argsort(-their_boxes[:, 4].numpy())
            np.testing.assert_allclose(boxes[order], their_boxes.numpy()[their_order], rtol=1e-4, atol=1e-5)
            for i, j in zip(order, their_order):
                np.testing.assert_array_equal(segm[label][i], _unpack(ins['segm'][label][j], segm[label][i].shape[-1]))


def test_training_losses_match_mmdet():
    model = _model().train()
    kwargs = dict(gt_masks=[BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']],
                  gt_semantic_seg=MF_GOLDEN['semantic_seg'].long())
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas_with_batch_shape(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'],
                                 **kwargs)
    loss, log_vars = model._parse_losses(losses)
    assert_log_vars_match(log_vars, MF_GOLDEN['log_vars'])
    loss.backward()
    head = model.panoptic_head
    assert all(p.grad is not None for p in head.parameters() if p.requires_grad)


def log_vars_without_targets_in_one_image(model, semantic_seg: torch.Tensor) -> dict:
    """Training log of the golden batch with the second image's objects and stuff removed (all 255)."""
    seg = semantic_seg.long()
    seg[1] = 255
    masks = [BitmapMasks(GOLDEN['gt_masks'][0].numpy(), 96, 128),
             BitmapMasks(np.zeros((0, 96, 128), np.uint8), 96, 128)]
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas_with_batch_shape(),
                                 [GOLDEN['gt_bboxes'][0], GOLDEN['gt_bboxes'][1][:0]],
                                 [GOLDEN['gt_labels'][0], GOLDEN['gt_labels'][1][:0]], masks, gt_semantic_seg=seg)
    return model._parse_losses(losses)[1]


def test_an_image_without_targets_trains_and_matches_mmdet():
    log_vars = log_vars_without_targets_in_one_image(_model().train(), MF_GOLDEN['semantic_seg'])
    assert_log_vars_match(log_vars, MF_GOLDEN['log_vars_empty'])


@pytest.mark.parametrize('case', range(len(MF_GOLDEN['fusion']['cases'])))
def test_fusion_head_matches_mmdet(case):
    fusion = MF_GOLDEN['fusion']
    expected = fusion['cases'][case]
    head = build_head(dict(type='MaskFormerFusionHead', num_things_classes=3, num_stuff_classes=2,
                           test_cfg=ConfigDict(dict(panoptic_on=True, instance_on=True, **expected['cfg']))))
    meta = dict(img_shape=(36, 50, 3), ori_shape=(72, 100, 3), batch_input_shape=(40, 56))
    result, = head.simple_test(fusion['mask_cls'].float()[None], fusion['mask_pred'].float()[None], [meta],
                               rescale=expected['rescale'])
    np.testing.assert_array_equal(result['pan_results'].numpy(), expected['pan'].numpy())
    labels, bboxes, masks = result['ins_results']
    order = torch.argsort(-bboxes[:, 4], stable=True)
    their_order = torch.argsort(-expected['bboxes'][:, 4], stable=True)
    assert labels[order].tolist() == expected['labels'][their_order].tolist()
    torch.testing.assert_close(bboxes[order], expected['bboxes'][their_order])
    if expected['masks'] is not None:
        np.testing.assert_array_equal(masks[order].numpy(), _unpack(expected['masks'], masks.shape[-1])[their_order])


def test_instance_results_keep_at_most_what_the_queries_offer():
    """mmdet's topk failed when max_per_image exceeded queries x classes (100 > 12 x 5 here)."""
    fusion = MF_GOLDEN['fusion']
    head = build_head(dict(type='MaskFormerFusionHead', num_things_classes=3, num_stuff_classes=2,
                           test_cfg=ConfigDict(dict(panoptic_on=False, instance_on=True, max_per_image=100))))
    meta = dict(img_shape=(40, 56, 3), ori_shape=(40, 56, 3), batch_input_shape=(40, 56))
    labels, bboxes, masks = head.simple_test(fusion['mask_cls'].float()[None], fusion['mask_pred'].float()[None],
                                             [meta])[0]['ins_results']
    assert len(labels) == 12 * 3 and labels.max() < 3 and masks.shape == (36, 40, 56)  # the thing pairs only


def test_mask_match_costs_by_hand():
    logits = torch.tensor([[[2.0, -2.0], [0.0, 4.0]]])
    gt = torch.tensor([[[1, 0], [0, 1]], [[0, 0], [1, 1]]])
    prob = logits.sigmoid().flatten(1)
    dice = 1 - (2 * (prob * gt.flatten(1)).sum(1) + 1) / (prob.sum(1) + gt.flatten(1).sum(1) + 1)
    torch.testing.assert_close(DiceCost(pred_act=True, eps=1.0)(logits, gt)[0], dice)
    p = prob[0]
    pos, neg = -(p + 1e-12).log() * 0.25 * (1 - p) ** 2, -(1 - p + 1e-12).log() * 0.75 * p ** 2
    expected = torch.stack([(pos * g + neg * (1 - g)).mean() for g in gt.flatten(1).float()])
    torch.testing.assert_close(FocalLossCost(binary_input=True)(logits, gt)[0], expected)


def test_config_keys_are_checked():
    cfg = tiny_maskformer_cfg()
    cfg['test_cfg']['object_mask_threshold'] = 0.5
    with pytest.raises(KeyError, match='object_mask_threshold'):
        build_detector(cfg)


def test_toy_results_evaluate_with_pq_and_instance_metrics(tmp_path):
    """A tiny MaskFormer's results on toy panoptic images (masks RLE-encoded by single_gpu_test) evaluate with
    PQ and, through the toy instances file, COCO bbox/segm."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'quickstart', 'panoptic_fpn_r18_fpn_toy.py'))
    root = str(tmp_path / 'toy') + '/'
    test = build_dataset(dict(cfg.data.test, data_root=root, num_train=1, num_val=3,
                              ins_ann_file='data/toy_coco/annotations/instances_val.json'), dict(test_mode=True))
    model_cfg = tiny_maskformer_cfg()
    model_cfg['panoptic_head']['num_stuff_classes'] = model_cfg['panoptic_fusion_head']['num_stuff_classes'] = 1
    model_cfg['panoptic_head']['loss_cls']['class_weight'] = [1.0] * 4 + [0.1]
    model_cfg['test_cfg'].update(MF_GOLDEN['test_cfg'])
    model = MMDataParallel(build_detector(model_cfg)).eval()
    results = single_gpu_test(model, build_dataloader(test, 1, 0, dist=False, shuffle=False))
    bbox, segm = results[0]['ins_results']
    assert len(bbox) == 3 and all(isinstance(rle, dict) and 'counts' in rle for masks in segm for rle in masks)
    metrics = test.evaluate(results, metric=['PQ', 'bbox', 'segm'])
    assert {'PQ', 'bbox_mAP', 'segm_mAP'} <= set(metrics) and 0 <= metrics['segm_mAP'] <= 1
