"""TOOD: same configs, layouts, assignments, detections and losses (both target phases) as mmdet 2.28.2.

tests/data/mmdet2282_tood_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
tood_r50_fpn_1x_coco.py and tood_r50_fpn_anchor_based_1x_coco.py shrunk as in ``_tiny.py`` (plus a variant whose
interactive conv is a DCNv2, ``num_dcn=1``): backbone weights are those of mmdet2282_tiny_golden.pth, neck and
head weights random (stored in float16; DCNv2 offset convs scaled by 0.05); with mmdet's ``simple_test``, flip
``aug_test``, ``forward_train`` at epoch 0 (ATSS targets, focal loss) and at epoch 4 (task-aligned targets,
quality focal loss), and ``TaskAlignedAssigner`` on random predictions. mmdet2282_tood_layout.json holds mmdet's
merged tood/ configs and the state-dict layouts of two full-size ones.
"""
import json
import os.path as osp

import pytest
import torch

from mmlite.core.bbox import TaskAlignedAssigner
from mmlite.models import build_detector
from mmlite.models.utils import sigmoid_geometric_mean

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, flip_aug_results,
                                golden_training_log_vars)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
TOOD_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_tood_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_tood_layout.json')))
NAMES = ['tood', 'tood_anchor_based', 'tood_dcn']


def _model(name):
    cfg = tiny_model_cfg('tood' if name == 'tood_dcn' else name)
    if name == 'tood_dcn':
        cfg['bbox_head']['num_dcn'] = 1
    cfg['test_cfg']['max_per_img'] = 20
    backbone = {k: v for k, v in GOLDEN['weights']['two_stage'].items() if k.startswith('backbone.')}
    return load_weights(build_detector(cfg), backbone, TOOD_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'tood', name)) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'tood', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, TOOD_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_detections_match_mmdet(name):
    _assert_dets_equal(flip_aug_results(_model(name).eval())[0], TOOD_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('epoch', [0, 4])
@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name, epoch):
    """Epoch 0: ATSS targets and focal loss; epoch 4 (= ``initial_epoch``): task-aligned targets."""
    model = _model(name).train()
    model.set_epoch(epoch)
    assert_log_vars_match(golden_training_log_vars(model), TOOD_GOLDEN['models'][name][f'log_vars_epoch{epoch}'])


@pytest.mark.parametrize('case', range(3))
def test_task_aligned_assigner_matches_mmdet(case):
    golden = TOOD_GOLDEN['assigner']
    expected = golden['cases'][case]
    result = TaskAlignedAssigner(topk=expected['topk']).assign(
        golden['scores'], golden['boxes'], golden['anchors'], golden['gts'], None, golden['labels'],
        expected['alpha'], expected['beta'])
    assert torch.equal(result.gt_inds, expected['gt_inds']) and (result.gt_inds > 0).sum() > 0
    assert torch.equal(result.labels, expected['labels'])
    torch.testing.assert_close(result.max_overlaps, expected['max_overlaps'])
    torch.testing.assert_close(result.assign_metrics, expected['assign_metrics'])


def test_task_aligned_assigner_without_boxes():
    anchors = torch.tensor([[0., 0., 8., 8.], [8., 0., 16., 8.]])
    result = TaskAlignedAssigner(topk=3).assign(torch.rand(2, 3), anchors, anchors, torch.zeros((0, 4)),
                                                gt_labels=torch.zeros((0, ), dtype=torch.long))
    assert result.gt_inds.tolist() == [0, 0] and result.labels.tolist() == [-1, -1]
    assert result.assign_metrics.tolist() == [0, 0]
    with pytest.raises(ValueError, match='topk'):
        TaskAlignedAssigner(topk=0)


def test_sigmoid_geometric_mean_gradient_stays_finite():
    """Where both sigmoids underflow, autograd through ``sqrt`` gives NaN; the analytic gradient does not."""
    x = torch.tensor([0.3, -200.], requires_grad=True)
    y = torch.tensor([-1.2, -200.], requires_grad=True)
    z = sigmoid_geometric_mean(x, y)
    torch.testing.assert_close(z, (x.sigmoid() * y.sigmoid()).sqrt())
    z.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()
    x0, y0 = x.detach()[:1].requires_grad_(), y.detach()[:1].requires_grad_()
    (x0.sigmoid() * y0.sigmoid()).sqrt().sum().backward()
    torch.testing.assert_close(x.grad[:1], x0.grad)
    torch.testing.assert_close(y.grad[:1], y0.grad)


def test_set_epoch_info_hook_switches_the_targets():
    from mmlite.core.hook import SetEpochInfoHook

    model = _model('tood')

    class FakeRunner:
        epoch = 5

    FakeRunner.model = model
    SetEpochInfoHook().before_train_epoch(FakeRunner)
    assert model.bbox_head.epoch == 5


def test_every_parameter_learns():
    model = _model('tood_dcn').train()
    model.set_epoch(4)
    losses = model.forward_train(GOLDEN['img'], _metas(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
    sum(losses.values()).backward()
    # a level's scale only reaches its boxes' loss: zero where the level has no positive
    lacking = [n for n, p in model.bbox_head.named_parameters()
               if p.grad is None or not (p.grad.abs().sum() > 0 or n.startswith('scales.'))]
    assert not lacking, lacking


def test_training_on_an_image_without_objects():
    model = _model('tood').train()
    for epoch in (0, 4):
        model.set_epoch(epoch)
        losses = model.forward_train(GOLDEN['img'][:1], _metas()[:1], [torch.zeros((0, 4))],
                                     [torch.zeros((0, ), dtype=torch.long)])
        assert torch.isfinite(losses['loss_cls']) and losses['loss_cls'] > 0 and losses['loss_bbox'] == 0


@pytest.mark.parametrize('edit, match', [
    (lambda cfg: cfg['bbox_head'].update(anchor_type='anchorfree'), 'anchor_type'),
    (lambda cfg: cfg['train_cfg'].update(inital_epoch=4), 'model.train_cfg.inital_epoch'),
])
def test_bad_config_names_the_key(edit, match):
    cfg = tiny_model_cfg('tood')
    edit(cfg)
    with pytest.raises((KeyError, ValueError), match=match):
        build_detector(cfg)
