"""FCOS's parts: point grids, distance coder, targets, options (its golden comparisons with mmdet 2.28.2 are in
test_single_stage_golden.py)."""
import warnings

import pytest
import torch

from mmlite.core.anchor import MlvlPointGenerator
from mmlite.core.bbox import DistancePointBBoxCoder
from mmlite.models import build_detector

from ._tiny import tiny_model_cfg, toy_batch
from .test_single_stage_golden import _model

NAMES = ['fcos', 'fcos_improved']


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
