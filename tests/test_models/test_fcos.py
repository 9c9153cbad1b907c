"""FCOS: same configs, layouts, detections and losses as mmdet 2.28.2.

tests/data/mmdet2282_fcos_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
two shipped FCOS configs shrunk as in ``_tiny.py`` (GroupNorm of 4 groups): backbone weights are those of
mmdet2282_tiny_golden.pth, neck and head weights random (stored in float16); with mmdet's ``simple_test``,
flip ``aug_test`` and ``forward_train`` results. mmdet2282_fcos_layout.json holds mmdet's merged configs and
the state-dict layout of the full-size models.
"""
import json
import os.path as osp
import warnings

import pytest
import torch

from mmlite.core.anchor import MlvlPointGenerator
from mmlite.core.bbox import DistancePointBBoxCoder
from mmlite.models import build_detector
from mmlite.utils import Config

from ._tiny import CONFIGS, FCOS, tiny_model_cfg, toy_batch
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FCOS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_fcos_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_fcos_layout.json')))
NAMES = sorted(FCOS)
CFG_KEYS = ('model', 'img_norm_cfg', 'train_pipeline', 'test_pipeline', 'data', 'optimizer', 'optimizer_config',
            'lr_config', 'runner')


def _model(name):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['max_per_img'] = 20
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = build_detector(cfg)
    weights = dict(GOLDEN['weights']['two_stage'], **FCOS_GOLDEN['weights'][name])
    own = model.state_dict()
    model.load_state_dict({k: weights[k].to(own[k].dtype) for k in own}, strict=True)
    return model


@pytest.mark.parametrize('name', NAMES)
def test_config_and_state_dict_layout_match_mmdet(name):
    cfg = Config.fromfile(osp.join(CONFIGS, FCOS[name]))
    mine = json.loads(json.dumps({k: cfg[k] for k in CFG_KEYS}, default=lambda o: o.to_dict()))
    assert mine == LAYOUT['configs'][name]
    cfg.model.backbone.init_cfg = None
    with pytest.warns(UserWarning, match=r"model.train_cfg keys \['allowed_border', 'assigner'"):
        model = build_detector(cfg.model)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, FCOS_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


@pytest.mark.parametrize('name', NAMES)
def test_flip_augmented_results_match_mmdet(name):
    model = _model(name).eval()
    img, meta = GOLDEN['img'][:1], _metas()[0]
    metas = [[dict(meta)], [dict(meta, flip=True, flip_direction='horizontal')]]
    with torch.no_grad():
        mine = model.aug_test([img, img.flip(-1)], metas, rescale=True)[0]
    _assert_dets_equal(mine, FCOS_GOLDEN['models'][name]['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'],
                                 gt_labels=GOLDEN['gt_labels'])
    _, log_vars = model._parse_losses(losses)
    expected = FCOS_GOLDEN['models'][name]['log_vars']
    assert list(log_vars) == list(expected)
    for key, value in expected.items():
        assert log_vars[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key


@pytest.mark.parametrize('name', NAMES)
def test_every_trainable_parameter_gets_a_gradient(name):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = build_detector(tiny_model_cfg(name))
    model.init_weights()
    batch = toy_batch()
    loss, log_vars = model._parse_losses(model(**batch))
    assert set(log_vars) == {'loss_cls', 'loss_bbox', 'loss_centerness', 'loss'}
    loss.backward()
    assert [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None] == []
    # the classification prior: sigmoid(conv_cls.bias) starts at 0.01
    assert torch.sigmoid(model.bbox_head.conv_cls.bias).detach().numpy() == pytest.approx(0.01, rel=1e-3)


def test_point_grid_is_centred_in_each_stride_cell():
    gen = MlvlPointGenerator([8, 16])
    points = gen.grid_priors([(2, 3), (1, 2)], device='cpu')
    assert points[0].tolist() == [[4., 4.], [12., 4.], [20., 4.], [4., 12.], [12., 12.], [20., 12.]]
    assert gen.grid_priors([(1, 2), (1, 1)], device='cpu', with_stride=True)[1].tolist() == [[8., 8., 16., 16.]]
    assert [f.tolist() for f in gen.valid_flags([(2, 3), (1, 2)], (10, 17), device='cpu')] == [
        [True, True, True, True, True, True], [True, True]]
    assert gen.valid_flags([(2, 3)] * 2, (8, 9), device='cpu')[0].tolist() == [True, True, False] + [False] * 3
    assert gen.sparse_priors(torch.tensor([4]), (2, 3), 0, device='cpu').tolist() == [[12., 12.]]


def test_distance_coder_round_trip_and_clipping():
    coder = DistancePointBBoxCoder()
    points = torch.tensor([[10., 10.], [30., 20.]])
    boxes = torch.tensor([[2., 4., 18., 12.], [25., 5., 40., 35.]])
    distances = coder.encode(points, boxes)
    assert distances.tolist() == [[8., 6., 8., 2.], [5., 15., 10., 15.]]
    assert coder.decode(points, distances).tolist() == boxes.tolist()
    assert coder.decode(points, distances, max_shape=(30, 36)).tolist() == [[2., 4., 18., 12.], [25., 5., 36., 30.]]
    assert DistancePointBBoxCoder(clip_border=False).decode(points, distances, max_shape=(30, 36)).equal(boxes)


def test_mmdet1_checkpoint_predictor_names_are_renamed():
    model = _model('fcos')
    state = model.bbox_head.state_dict()
    old = {k.replace('conv_cls', 'fcos_cls').replace('conv_centerness', 'fcos_centerness'): v
           for k, v in state.items()}  # no version metadata: an mmdet 1.x checkpoint
    assert 'fcos_cls.weight' in old
    fresh = _model('fcos').bbox_head
    torch.nn.init.zeros_(fresh.conv_cls.weight)
    fresh.load_state_dict(old, strict=True)
    assert fresh.conv_cls.weight.equal(state['conv_cls.weight'])


def test_unavailable_options_are_named():
    cfg = tiny_model_cfg('fcos')
    cfg['bbox_head']['dcn_on_last_conv'] = True
    with pytest.raises(NotImplementedError, match='dcn_on_last_conv=True needs a deformable convolution'):
        build_detector(cfg)
    cfg = tiny_model_cfg('fcos')
    cfg['bbox_head']['regress_ranges'] = ((-1, 64), (64, 1e8))
    with pytest.raises(ValueError, match='2 regress_ranges for 5 strides'):
        build_detector(cfg)


def test_center_sampling_keeps_only_points_near_the_box_centre():
    """One 100x100 box centred at (50, 50): with a 1.5-stride radius at stride 8 only the 3x3 points within
    12 px of the centre are positive; without centre sampling every point of the box that fits the level's
    range (max side distance <= 64) is."""
    cfg = tiny_model_cfg('fcos')
    head_cfg = dict(cfg['bbox_head'], train_cfg=None, test_cfg=cfg['test_cfg'])
    gt = [torch.tensor([[0., 0., 100., 100.]])]
    counts = {}
    for sampling in (True, False):
        head = build_detector(dict(cfg, bbox_head=dict(head_cfg, center_sampling=sampling), train_cfg=None)).bbox_head
        points = head.prior_generator.grid_priors([(16, 16), (8, 8), (4, 4), (2, 2), (1, 1)], device='cpu')
        labels, targets = head.get_targets(points, gt, [torch.tensor([2])])
        positive = labels[0] == 2
        counts[sampling] = int(positive.sum())
        if sampling:
            xy = points[0][positive]
            assert ((xy - 50).abs() < 12).all()
            assert targets[0][positive][0].tolist() == [44., 44., 56., 56.]
    assert counts[True] == 9
    assert counts[False] == 16  # x, y in 36..60: the points whose farthest side is within 64 px
