"""GHM losses (GHMC, GHMR) and RetinaNet with them, against mmdet 2.28.2 (tests/data/mmdet2282_ghm_golden.json)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.models import build_detector
from mmlite.models.losses import GHMC, GHMR
from mmlite.utils import Config

from ._tiny import CONFIGS, DENSE, tiny_model_cfg
from .test_mmdet_golden import GOLDEN as TINY
from .test_mmdet_golden import _metas, assert_log_vars_match

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_ghm_golden.json')))
LOSSES = {'ghmc': lambda: GHMC(bins=10), 'ghmc_mmt': lambda: GHMC(bins=30, momentum=0.75),
          'ghmr': lambda: GHMR(mu=0.02, bins=10),
          'ghmr_mmt': lambda: GHMR(mu=0.02, bins=10, momentum=0.7, loss_weight=10.)}


def _inputs(name, generator):
    if name.startswith('ghmc'):
        pred = torch.randn(200, 4, generator=generator) * 3
        labels = torch.randint(0, 5, (200, ), generator=generator)
        return pred, labels, (torch.rand(200, generator=generator) > 0.2).float()
    pred = torch.randn(300, 4, generator=generator) * 0.5
    target = torch.randn(300, 4, generator=generator) * 0.5
    return pred, target, (torch.rand(300, 4, generator=generator) > 0.5).float()


def test_loss_values_and_momentum_histograms_match_mmdet():
    generator = torch.Generator().manual_seed(7)
    for name, make in LOSSES.items():  # one generator across the cases, in mmdet's order
        loss, expected = make(), GOLDEN['losses'][name]
        for step, (mean, total, per_column) in enumerate(expected['values']):
            args = _inputs(name, generator)  # three calls per step, as recorded (momentum updates each time)
            assert float(loss(*args)) == pytest.approx(mean, rel=1e-5), (name, step)
            assert float(loss(*args, reduction_override='none').sum()) == pytest.approx(total, rel=1e-5)
            per_column_sums = loss(*args, reduction_override='none').sum(0).tolist()
            assert per_column_sums == pytest.approx(per_column, rel=1e-5, abs=1e-6)
            if not loss.momentum:  # mmdet raised for 'sum' (it passed its avg_factor along): the plain sum
                assert float(loss(*args, reduction_override='sum')) == pytest.approx(total, rel=1e-5)
        if expected['acc_sum']:
            assert loss.acc_sum.tolist() == pytest.approx(expected['acc_sum'], rel=1e-5)


def test_retinanet_ghm_config_and_training_losses_match_mmdet():
    expected = GOLDEN['detector']
    cfg = Config.fromfile(osp.join(CONFIGS, DENSE['retinanet_ghm']))
    mine = dict(model=cfg.model.to_dict(), optimizer_config=cfg.optimizer_config.to_dict())
    assert json.loads(json.dumps(mine)) == expected['config']
    model = build_detector(tiny_model_cfg('retinanet_ghm'))
    own = model.state_dict()
    source = TINY['weights']['retinanet']
    model.load_state_dict({k: source[k].to(v.dtype) if k in source else v for k, v in own.items()}, strict=True)
    model.train()
    for log_vars in expected['log_vars']:  # twice: the histograms' moving averages carry over
        losses = model.forward_train(TINY['img'], _metas(), gt_bboxes=TINY['gt_bboxes'], gt_labels=TINY['gt_labels'])
        assert_log_vars_match(model._parse_losses(losses)[1], log_vars)
    assert model.bbox_head.loss_cls.acc_sum.numpy() == pytest.approx(np.array(expected['ghmc']), rel=1e-5)
    assert model.bbox_head.loss_bbox.acc_sum.numpy() == pytest.approx(np.array(expected['ghmr']), rel=1e-5)


def test_options_mmdet_does_not_have_are_named():
    with pytest.raises(NotImplementedError, match='use_sigmoid=True only'):
        GHMC(use_sigmoid=False)
    with pytest.raises(ValueError, match='invalid reduction_override'):
        GHMR()(torch.zeros(2, 4), torch.zeros(2, 4), torch.ones(2, 4), reduction_override='max')
