"""CornerNet and CentripetalNet (HourglassNet, CornerHead, CentripetalHead, BiCornerPool/CornerPool,
AssociativeEmbeddingLoss): same configs, layouts, detections (single and flip test), corner pairing and losses as
mmdet 2.28.2.

tests/data/mmdet2282_cornernet_golden.pth was written by mmdet 2.28.2 (CPU; mmcv's CornerPool runs torch.cummax
there) on the cornernet/ and centripetalnet/ configs shrunk as in ``_tiny.py`` (two 2-halving hourglasses), with
``test_cfg.score_thr=0`` (mmdet ignores it) and weights drawn from each ``weight_seed`` as :func:`_draw` does:
``simple_test`` and flip ``aug_test`` detections on the golden images and the ``forward_train`` losses; and
CentripetalHead's decoding of planted corners whose centripetal shifts point at their centres (random weights
pair no corners). mmdet2282_cornernet_layout.json: the configs merged and the full-size layouts.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.models.losses import ae_loss_per_image
from mmlite.ops import CornerPool
from mmlite.utils import Config

from ._tiny import CONFIGS, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tie_order

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = torch.load(osp.join(DATA, 'mmdet2282_cornernet_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_cornernet_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'auto_scale_lr')


def _draw(model, seed: int):
    """Float16-rounded weights in state-dict order: conv/linear N(0, 1/fan_in), norm weights 1 + N(0, 0.1),
    running variances 1 + U(0, 0.1), the rest N(0, 0.1)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if value.dtype != torch.float32:
                continue
            if key.endswith('running_var'):
                drawn = 1 + 0.1 * torch.rand(value.shape, generator=gen)
            elif key.endswith('weight') and value.dim() > 1:
                drawn = torch.randn(value.shape, generator=gen) / np.sqrt(value[0].numel())
            elif key.endswith('weight'):
                drawn = 1 + 0.1 * torch.randn(value.shape, generator=gen)
            else:
                drawn = torch.randn(value.shape, generator=gen) * 0.1
            value.copy_(drawn.half().float())
    return model


def _model(name='cornernet'):
    cfg = tiny_model_cfg(name)
    cfg['test_cfg']['score_thr'] = 0.0
    return _draw(build_detector(cfg), RECORDED[name]['weight_seed'])


def _path(name):
    return osp.join(CONFIGS, 'centripetalnet' if name.startswith('centripetal') else 'cornernet', name)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(_path(name), KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    model = build_detector(Config.fromfile(_path(name)).model)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == LAYOUT['state_dicts'][name]


def test_detections_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, RECORDED['cornernet']['simple_test']):
        assert sum(len(d) for d in mine) > 0
        mine, _ = tie_order(mine)
        theirs, _ = tie_order(theirs)
        _assert_dets_equal([d.numpy() for d in mine], theirs)


def test_flip_test_matches_mmdet():
    img, meta = GOLDEN['img'][:1], _metas()[0]
    metas = [[dict(meta)], [dict(meta, flip=True, flip_direction='horizontal')]]
    with torch.no_grad():
        mine, = _model().eval().aug_test([img, img.flip(-1)], metas, rescale=True)
    mine, _ = tie_order(mine)
    theirs, _ = tie_order(RECORDED['cornernet']['aug_test'][0])
    _assert_dets_equal([d.numpy() for d in mine], theirs)


@pytest.mark.parametrize('name', ['cornernet', 'centripetalnet'])
def test_training_losses_match_mmdet(name):
    model = _model(name).train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], RECORDED[name]['log_vars'])


def test_centripetal_pairing_matches_mmdet():
    case = RECORDED['centripetal_decode']
    meta = dict(_metas()[0], pad_shape=(96, 128, 3), border=tuple(case['border']))
    bboxes, scores, clses = _model('centripetalnet').bbox_head.decode_heatmap(
        case['tl_heat'], case['br_heat'], case['tl_off'], case['br_off'], tl_centripetal_shift=case['tl_shift'],
        br_centripetal_shift=case['br_shift'], img_meta=meta, k=100)
    valid = scores[0, :, 0] > 0
    assert int(valid.sum()) == int((case['scores'] > 0).sum()) == 2
    torch.testing.assert_close(scores[0, valid], case['scores'][0, :2])
    torch.testing.assert_close(bboxes[0, valid], case['bboxes'][0, :2])
    torch.testing.assert_close(clses[0, valid], case['clses'][0, :2])


def test_corner_pool_directions_and_embedding_loss():
    x = torch.tensor([[[[1., 3, 2], [0, 5, 1], [4, 0, 0]]]])
    assert CornerPool('top')(x)[0, 0].tolist() == [[4, 5, 2], [4, 5, 1], [4, 0, 0]]
    assert CornerPool('left')(x)[0, 0].tolist() == [[3, 3, 2], [5, 5, 1], [4, 0, 0]]
    assert CornerPool('bottom')(x)[0, 0].tolist() == [[1, 3, 2], [1, 5, 2], [4, 5, 2]]
    assert CornerPool('right')(x)[0, 0].tolist() == [[1, 3, 3], [0, 5, 5], [4, 4, 4]]
    with pytest.raises(ValueError, match='mode must be one of'):
        CornerPool('up')
    tl, br = torch.zeros(1, 4, 4), torch.zeros(1, 4, 4)
    tl[0, 0, 0], br[0, 3, 3], tl[0, 1, 1], br[0, 2, 2] = 1.0, 0.0, 0.2, 0.4
    pull, push = ae_loss_per_image(tl, br, [[[0, 0], [3, 3]], [[1, 1], [2, 2]]])
    # means 0.5 and 0.3: pull (0.25 + 0.25 + 0.01 + 0.01) / 2; push hinge (1 - 0.2) twice over 2 ordered pairs
    assert float(pull) == pytest.approx(0.26) and float(push) == pytest.approx(0.8)
