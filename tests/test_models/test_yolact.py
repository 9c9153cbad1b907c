"""YOLACT (YOLACTHead with OHEM and Fast NMS, YOLACTProtonet, YOLACTSegmHead): same config, layout, detections,
masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_yolact_golden.pth was written by mmdet 2.28.2 (CPU) on yolact_r50_1x8_coco.py shrunk as in
``_tiny.py`` (8 prototypes from a 16-wide protonet) with at most 20 detections: the backbone weights of
mmdet2282_tiny_golden.pth, the rest random (float16). ``simple_test`` boxes and masks (bit-packed, per image all
classes in order; at the original size and, without ``rescale``, at the input size), and ``forward_train``
losses, also with an image without objects.
mmdet2282_yolact_layout.json: the merged config and the full-size layout.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.core.post_processing import fast_nms

from ._tiny import CONFIGS, assert_config_and_layout
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_yolact_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_yolact_layout.json')))
CONFIG = osp.join(CONFIGS, 'yolact', 'yolact_r50_1x8_coco.py')
MASKS = [BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']]


def test_config_and_layout_match_mmdet():
    assert_config_and_layout(CONFIG, LAYOUT)


def _packed_masks(segm: list, shape: tuple) -> np.ndarray:
    masks = np.concatenate([np.stack(s) for s in segm if s])
    assert masks.shape[1:] == shape
    return masks.astype(bool)


@pytest.mark.parametrize('rescale', [True, False])
def test_detections_and_masks_match_mmdet(rescale):
    model = tiny_golden_model('yolact', RECORDED['weights']).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=rescale)
    shape, key = ((120, 160), 'segm') if rescale else ((96, 128), 'segm_norescale')
    for (bbox, segm), theirs, packed in zip(results, RECORDED['model']['simple_test'], RECORDED['model'][key]):
        assert sum(len(d) for d in bbox) == 20 and sum(len(s) for s in segm) == 20
        if rescale:  # Fast NMS's order within a class is by score: no ties to resolve
            _assert_dets_equal(bbox, theirs)
        mine = _packed_masks(segm, shape)
        ref = np.unpackbits(packed.numpy())[:mine.size].reshape(mine.shape).astype(bool)
        assert (mine != ref).sum() <= 3 * len(mine)


def test_training_losses_match_mmdet():
    model = tiny_golden_model('yolact', RECORDED['weights']).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'],
                                 gt_masks=MASKS)
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['log_vars'])
    empty = BitmapMasks(np.zeros((0, 96, 128), dtype=np.uint8), 96, 128)
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=[GOLDEN['gt_bboxes'][0], torch.zeros(0, 4)],
                                 gt_labels=[GOLDEN['gt_labels'][0], torch.zeros(0, dtype=torch.long)],
                                 gt_masks=[MASKS[0], empty])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED['model']['empty_log_vars'])
    model._parse_losses(losses)[0].backward()
    for param in (model.bbox_head.conv_coeff.weight, model.mask_head.protonet[0].weight,
                  model.segm_head.segm_conv.weight, model.bbox_head.conv_cls.weight):
        assert param.grad is not None and param.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='with_mask'):
        model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])


def test_fast_nms_keeps_boxes_suppressed_only_by_better_ones():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 0., 11., 10.], [2., 0., 12., 10.], [50., 50., 60., 60.]])
    # class 0: box 1 overlaps box 0 (better) and is dropped; box 2 overlaps only box 1 above 0.6 (dropped, but
    # in Fast NMS a dropped box still suppresses); class 1: one box below the score threshold
    scores = torch.tensor([[0.9, 0.0, 0.1], [0.8, 0.0, 0.2], [0.7, 0.0, 0.3], [0.6, 0.04, 0.36]])
    coeffs = torch.arange(8.).view(4, 2)
    dets, labels, kept = fast_nms(boxes, scores, coeffs, score_thr=0.05, iou_thr=0.75, top_k=10)
    assert labels.tolist() == [0, 0] and dets[:, 4].tolist() == pytest.approx([0.9, 0.6])
    assert torch.equal(kept, coeffs[[0, 3]])
    dets, labels, _ = fast_nms(boxes, scores, coeffs, score_thr=0.05, iou_thr=0.75, top_k=10, max_num=1)
    assert len(dets) == 1 and dets[0, 4] == pytest.approx(0.9)
