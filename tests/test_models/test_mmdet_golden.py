"""Same weights, same input: mmlite reproduces mmdet 2.28.2's detections, masks and losses.

tests/data/mmdet2282_tiny_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU)
on the shipped configs shrunk as in ``_tiny.py`` (weights randomised, stored in float16): the
inputs, the weights and mmdet's ``simple_test``/``aug_test`` results and training log values.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.mask import BitmapMasks
from mmlite.models import build_detector

from ._tiny import SHIPPED, load_weights, tiny_model_cfg

GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_tiny_golden.pth'), weights_only=True)


def _model(name):
    cfg = tiny_model_cfg(name)
    test_cfg = cfg['test_cfg']
    if 'rcnn' in test_cfg:
        test_cfg['rcnn']['max_per_img'] = 20
    if 'rpn' in test_cfg:
        test_cfg['rpn']['max_per_img'] = 300
    else:
        test_cfg['max_per_img'] = 20
    model = build_detector(cfg)
    source = GOLDEN['weights']['retinanet' if name == 'retinanet' else 'two_stage']
    own = model.state_dict()
    model.load_state_dict({k: source[k].to(own[k].dtype) for k in own}, strict=True)
    return model


def _metas():
    return [dict(m, scale_factor=np.array(m['scale_factor'], dtype=np.float32)) for m in GOLDEN['metas']]


def flip_aug_results(model) -> list:
    """``model.aug_test`` on the first golden image and its horizontal flip (mmdet's recorded TTA case)."""
    img, meta = GOLDEN['img'][:1], _metas()[0]
    metas = [[dict(meta)], [dict(meta, flip=True, flip_direction='horizontal')]]
    with torch.no_grad():
        return model.aug_test([img, img.flip(-1)], metas, rescale=True)


def tiny_golden_model(name: str, weights: dict, max_per_img: int = 20):
    """The shrunk shipped model ``name`` (``_tiny.py``) with the golden tiny backbone and ``weights`` (the rest, as
    mmdet recorded them), keeping at most ``max_per_img`` detections per image."""
    cfg = tiny_model_cfg(name)
    test_cfg = cfg['test_cfg']
    if 'rcnn' in test_cfg:
        test_cfg['rcnn']['max_per_img'] = max_per_img
    elif 'rpn' not in test_cfg:
        test_cfg['max_per_img'] = max_per_img
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, weights)


def tiny_golden_rcnn(name: str, weights: dict, parts=('backbone.', 'neck.', 'rpn_head.')):
    """The shrunk two-stage model ``name`` with the golden tiny weights of ``parts`` and ``weights`` (the RoI head's,
    as mmdet recorded them); at most 20 detections and 300 RPN proposals per image. Buffers the recordings leave
    out (a loss's class counts) keep their initial values."""
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    if cfg['test_cfg'].get('rpn'):
        cfg['test_cfg']['rpn']['max_per_img'] = 300
    model = build_detector(cfg)
    shared = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith(tuple(parts))}
    counts = {k: v for k, v in model.state_dict().items() if 'cum_samples' in k}
    return load_weights(model, shared, weights, counts)


def tiny_golden_distillation_model(name: str, weights: dict):
    """:func:`tiny_golden_model` of a distillation config: the ``teacher.``-prefixed ``weights`` (and the golden
    tiny backbone) go to its teacher."""
    prefix = 'teacher.'
    model = tiny_golden_model(name, {k: v for k, v in weights.items() if not k.startswith(prefix)})
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    load_weights(model.teacher_model, backbone, {k[len(prefix):]: v for k, v in weights.items()
                                                 if k.startswith(prefix)})
    return model


def golden_training_log_vars(model, with_labels: bool = True, with_masks: bool = False, **extra) -> dict:
    """``forward_train`` on the golden batch after ``torch.manual_seed(0)`` (mmdet's sampling draws), parsed;
    ``extra`` are further ``forward_train`` arguments (e.g. ``gt_semantic_seg``)."""
    kwargs = dict(gt_bboxes=GOLDEN['gt_bboxes'], **extra)
    if with_labels:
        kwargs['gt_labels'] = GOLDEN['gt_labels']
    if with_masks:
        kwargs['gt_masks'] = [BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']]
    torch.manual_seed(0)
    return model._parse_losses(model.forward_train(GOLDEN['img'], _metas(), **kwargs))[1]


def assert_log_vars_match(log_vars: dict, expected: dict) -> None:
    """The same logged values, in the same order, as mmdet's."""
    assert list(log_vars) == list(expected)
    for key, value in expected.items():
        assert log_vars[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key


def _unpack(mask):
    return np.unpackbits(mask['packed'].numpy())[:int(np.prod(mask['shape']))].reshape(mask['shape']).astype(bool)


def _assert_dets_equal(mine, theirs):
    """Per-class ``(n, 5)`` arrays equal up to float tolerance."""
    assert len(mine) == len(theirs)
    for cls, (a, b) in enumerate(zip(mine, theirs)):
        assert a.shape == tuple(b.shape), f'class {cls}: {a.shape} vs {tuple(b.shape)}'
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-4, atol=2e-3, err_msg=f'class {cls}')


def tie_order(bbox: list, segm: list | None = None) -> tuple[list, list | None]:
    """Per class, detections (and their masks) by descending score, equal scores by box: sorting equal keys
    is not stable across torch versions, so boxes with one score may come in either order."""
    bbox, segm = [torch.as_tensor(b).numpy() for b in bbox], None if segm is None else list(segm)
    for cls, dets in enumerate(bbox):
        order = np.lexsort((dets[:, 3], dets[:, 2], dets[:, 1], dets[:, 0], -dets[:, 4]))
        bbox[cls] = torch.from_numpy(dets[order])
        if segm is not None:
            segm[cls] = [segm[cls][i] for i in order]
    return bbox, segm


def _assert_masks_equal(mine, theirs):
    for cls, (a, b) in enumerate(zip(mine, theirs)):
        assert len(a) == len(b)
        for m, ref in zip(a, b):
            ref = _unpack(ref)
            # bilinear resampling differences flip at most a few boundary pixels
            assert m.shape == ref.shape and (m != ref).sum() <= max(3, 0.01 * ref.sum()), f'class {cls}'


@pytest.mark.parametrize('name', ['faster_rcnn', 'retinanet'])
def test_box_detections_match(name):
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    expected = GOLDEN['models'][name]['simple_test']
    assert sum(len(d) for d in results[0]) > 0
    for mine, theirs in zip(results, expected):
        _assert_dets_equal(mine, theirs)


def test_mask_rcnn_detections_and_masks_match():
    model = _model('mask_rcnn').eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, segm), (ref_bbox, ref_segm) in zip(results, GOLDEN['models']['mask_rcnn']['simple_test']):
        _assert_dets_equal(bbox, ref_bbox)
        _assert_masks_equal(segm, ref_segm)


def test_rpn_proposals_match():
    model = _model('rpn').eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, GOLDEN['models']['rpn']['simple_test']):
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize('name', ['faster_rcnn', 'retinanet', 'mask_rcnn', 'rpn'])
def test_flip_augmented_results_match(name):
    results = flip_aug_results(_model(name).eval())
    expected = GOLDEN['models'][name]['aug_test']
    if name == 'rpn':
        np.testing.assert_allclose(results[0], expected[0].numpy(), rtol=1e-4, atol=2e-3)
    elif name == 'mask_rcnn':
        _assert_dets_equal(results[0][0], expected[0][0])
        _assert_masks_equal(results[0][1], expected[0][1])
    else:
        _assert_dets_equal(results[0], expected[0])


@pytest.mark.parametrize('name', sorted(SHIPPED))
def test_training_losses_match(name):
    """Same seed, same sampling: every logged value equals mmdet's."""
    log_vars = golden_training_log_vars(_model(name).train(), with_labels=name != 'rpn',
                                        with_masks=name == 'mask_rcnn')
    assert_log_vars_match(log_vars, GOLDEN['models'][name]['log_vars'])


def test_ohem_sampler_training_losses_match():
    """mmdet's OHEM config (``sampler=dict(type='OHEMSampler')``), sampling 64 of ~2000 RoIs by loss."""
    import json
    ohem = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_ohem_golden.json')))
    cfg = tiny_model_cfg('faster_rcnn')
    cfg['train_cfg']['rcnn']['sampler'].update(ohem['sampler'])
    model = build_detector(cfg).train()
    own = model.state_dict()
    model.load_state_dict({k: GOLDEN['weights']['two_stage'][k].to(own[k].dtype) for k in own}, strict=True)
    torch.manual_seed(0)
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    _, log_vars = model._parse_losses(losses)
    assert_log_vars_match(log_vars, ohem['log_vars'])
    # the hardest RoIs cost more than random ones: the sampler changed what is learned from
    assert ohem['log_vars']['loss_cls'] > GOLDEN['models']['faster_rcnn']['log_vars']['loss_cls']
