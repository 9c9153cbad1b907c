"""Detectors built from the shipped mmdet 2.x configs: layout, losses, gradients and results."""
import json
import os.path as osp
import warnings

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import NUM_CLASSES, SHIPPED, shipped_cfg, tiny_model_cfg, toy_batch

DATA = osp.join(osp.dirname(__file__), '..', 'data')
MMDET_LAYOUT = json.load(open(osp.join(DATA, 'mmdet2_state_dicts.json')))


@pytest.mark.parametrize('name', sorted(SHIPPED))
def test_state_dict_matches_mmdet_2_28(name):
    """Every entry (name, shape, order; buffers included) equals mmdet 2.28.2's for the same config."""
    model = build_detector(shipped_cfg(name).model)
    mine = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    assert mine == MMDET_LAYOUT[name]['state_dict']


def _build(name, **overrides):
    cfg = tiny_model_cfg(name)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = build_detector(cfg)
    model.init_weights()
    return model


def _train_inputs(name):
    batch = toy_batch(with_mask=name == 'mask_rcnn')
    if name == 'rpn':
        batch.pop('gt_labels')
    return batch


def _structure(losses):
    return {k: f'list[{len(v)}]' if isinstance(v, list) else 'Tensor' for k, v in losses.items()}


@pytest.mark.parametrize('name', sorted(SHIPPED))
def test_forward_train_losses_and_gradients(name):
    model = _build(name).train()
    losses = model(**_train_inputs(name))
    assert _structure(losses) == MMDET_LAYOUT[name]['loss_keys']
    loss, log_vars = model._parse_losses(losses)
    assert torch.isfinite(loss)
    assert all(isinstance(v, float) and np.isfinite(v) for v in log_vars.values())
    assert log_vars['loss'] == pytest.approx(sum(v for k, v in log_vars.items() if k.startswith('loss_')), rel=1e-5)
    loss.backward()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen and all(n.startswith('backbone.') for n in frozen)  # frozen_stages=1: stem and layer1
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []


def test_train_step_returns_runner_outputs():
    model = _build('faster_rcnn').train()
    out = model.train_step(_train_inputs('faster_rcnn'), None)
    assert set(out) == {'loss', 'log_vars', 'num_samples'}
    assert out['num_samples'] == 2 and out['loss'].requires_grad
    assert list(out['log_vars']) == ['loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'acc', 'loss_bbox', 'loss']


def _test_inputs(num_augs=1, flip=False):
    batch = toy_batch(num_imgs=1)
    imgs, metas = [], []
    for k in range(num_augs):
        meta = dict(batch['img_metas'][0], flip=flip and k == 1, flip_direction='horizontal')
        imgs.append(batch['img'].flip(-1) if meta['flip'] else batch['img'])
        metas.append([meta])
    return imgs, metas


@pytest.mark.parametrize('name', ['faster_rcnn', 'retinanet'])
def test_simple_test_returns_per_class_arrays(name):
    model = _build(name).eval()
    with torch.no_grad():
        results = model(*_test_inputs(), return_loss=False, rescale=True)
    assert len(results) == 1 and len(results[0]) == NUM_CLASSES
    for dets in results[0]:
        assert isinstance(dets, np.ndarray) and dets.dtype == np.float32 and dets.shape[1] == 5
        assert (dets[:, 4] >= 0.05 - 1e-6).all() if len(dets) else True


def test_mask_rcnn_results_carry_binary_masks():
    model = _build('mask_rcnn', test_cfg=dict(rpn=shipped_cfg('mask_rcnn').model.test_cfg.rpn,
                                              rcnn=dict(score_thr=0.0, nms=dict(type='nms', iou_threshold=0.5),
                                                        max_per_img=5, mask_thr_binary=0.5))).eval()
    with torch.no_grad():
        (bbox_result, segm_result), = model(*_test_inputs(), return_loss=False, rescale=True)
    assert len(bbox_result) == len(segm_result) == NUM_CLASSES
    assert sum(len(b) for b in bbox_result) == 5
    for dets, masks in zip(bbox_result, segm_result):
        assert len(dets) == len(masks)
        for mask in masks:
            assert mask.dtype == bool and mask.shape == (96, 128)


def test_rpn_returns_proposal_arrays():
    model = _build('rpn').eval()
    with torch.no_grad():
        results = model(*_test_inputs(), return_loss=False, rescale=True)
    assert len(results) == 1 and results[0].ndim == 2 and results[0].shape[1] == 5
    assert len(results[0]) <= 1000 and (np.diff(results[0][:, 4]) <= 1e-6).all()  # sorted by score


@pytest.mark.parametrize('name', ['faster_rcnn', 'retinanet', 'mask_rcnn'])
def test_aug_test_merges_flips(name):
    model = _build(name).eval()
    with torch.no_grad():
        results = model(*_test_inputs(num_augs=2, flip=True), return_loss=False, rescale=True)
    bbox_result = results[0][0] if name == 'mask_rcnn' else results[0]
    assert len(bbox_result) == NUM_CLASSES
    boxes = np.concatenate(bbox_result)
    if len(boxes):
        assert (boxes[:, [0, 2]] >= 0).all() and (boxes[:, [0, 2]] <= 128).all()


def test_batch_results_match_single_image_results():
    model = _build('faster_rcnn').eval()
    batch = toy_batch(num_imgs=2)
    with torch.no_grad():
        both = model.simple_test(batch['img'], batch['img_metas'], rescale=True)
        first = model.simple_test(batch['img'][:1], batch['img_metas'][:1], rescale=True)
    for a, b in zip(both[0], first[0]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_show_result_draws_boxes(tmp_path):
    model = _build('faster_rcnn')
    img = np.full((60, 80, 3), 255, np.uint8)
    result = [np.array([[10, 10, 40, 30, 0.9]], np.float32), np.zeros((0, 5), np.float32),
              np.zeros((0, 5), np.float32)]
    out = tmp_path / 'shown.jpg'
    drawn = model.show_result(img, result, out_file=str(out))
    assert out.is_file() and drawn.shape == img.shape
    assert (drawn[10, 10:40] != 255).any() and (drawn[50, 60] == 255).all()


class TestConfigErrors:

    def test_unknown_type_lists_registered_names(self):
        cfg = tiny_model_cfg('faster_rcnn')
        cfg['roi_head']['bbox_head']['type'] = 'Shared2FCBoxHead'
        with pytest.raises(KeyError, match='Shared2FCBBoxHead'):
            build_detector(cfg)

    def test_unknown_test_cfg_key_names_its_path(self):
        cfg = tiny_model_cfg('faster_rcnn')
        cfg['test_cfg']['rcnn']['max_per_image'] = 50
        with pytest.raises(KeyError, match=r'model\.test_cfg\.rcnn\.max_per_image'):
            build_detector(cfg)

    def test_unknown_train_cfg_section(self):
        cfg = tiny_model_cfg('retinanet')
        cfg['train_cfg']['assigner_cfg'] = {}
        with pytest.raises(KeyError, match=r'model\.train_cfg\.assigner_cfg'):
            build_detector(cfg)

    def test_missing_required_key(self):
        cfg = tiny_model_cfg('faster_rcnn')
        del cfg['test_cfg']['rcnn']['nms']
        with pytest.raises(KeyError, match=r"model\.test_cfg\.rcnn is missing \['nms'\]"):
            build_detector(cfg)

    def test_unknown_head_argument_is_an_error(self):
        cfg = tiny_model_cfg('faster_rcnn')
        cfg['rpn_head']['feat_chanels'] = 16
        with pytest.raises(TypeError, match='feat_chanels'):
            build_detector(cfg)

    def test_legacy_rpn_keys_are_translated_with_one_warning(self):
        cfg = tiny_model_cfg('faster_rcnn')
        cfg['test_cfg']['rpn'] = dict(nms_across_levels=False, nms_pre=1000, nms_post=300, max_num=300,
                                      nms_thr=0.7, min_bbox_size=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            model = build_detector(cfg)
        legacy = [w for w in caught if 'legacy key' in str(w.message)]
        assert len(legacy) == 1
        assert model.rpn_head.test_cfg.nms == dict(type='nms', iou_threshold=0.7)
        assert model.rpn_head.test_cfg.max_per_img == 300 and 'nms_thr' not in model.rpn_head.test_cfg

    def test_caller_config_is_not_mutated(self):
        cfg = Config(dict(model=tiny_model_cfg('faster_rcnn')))
        before = cfg.model.to_dict()
        build_detector(cfg.model)
        assert cfg.model.to_dict() == before

    def test_outer_train_cfg_is_deprecated(self):
        cfg = tiny_model_cfg('retinanet')
        train_cfg, test_cfg = cfg.pop('train_cfg'), cfg.pop('test_cfg')
        with pytest.warns(UserWarning, match='deprecated'):
            model = build_detector(cfg, train_cfg=train_cfg, test_cfg=test_cfg)
        assert model.bbox_head.test_cfg.max_per_img == 100
