"""DIoU, CIoU, Bounded IoU, Balanced L1 and MSE losses against mmdet 2.28.2: values for every reduction,
weights and avg_factor, and the gradients (tests/data/mmdet2282_extra_losses_golden.json)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlite.models import build_loss
from mmlite.models.losses import BalancedL1Loss, BoundedIoULoss, CIoULoss, DIoULoss, MSELoss

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmdet2282_extra_losses_golden.json').read_text())
LOSSES = {'diou': lambda: DIoULoss(loss_weight=2.0), 'ciou': CIoULoss, 'biou': lambda: BoundedIoULoss(beta=0.3),
          'bal': lambda: BalancedL1Loss(alpha=0.4, gamma=1.2, beta=0.8), 'mse': lambda: MSELoss(loss_weight=0.5)}


def _inputs():
    generator = torch.Generator().manual_seed(0)
    xy = torch.rand(12, 2, generator=generator) * 50
    wh = torch.rand(12, 2, generator=generator) * 30 + 1
    target = torch.cat([xy, xy + wh], 1)
    pred = target + torch.randn(12, 4, generator=generator) * 4
    pred[:, 2:] = torch.max(pred[:, 2:], pred[:, :2] + 0.5)
    return pred, target, torch.rand(12, 4, generator=generator), torch.rand(12, generator=generator)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_matches_mmdet(name):
    pred, target, weight4, weight1 = _inputs()
    loss = LOSSES[name]()
    weight = weight4 if name in ('bal', 'mse', 'biou') else weight1
    values = [loss(pred, target, **kwargs).tolist() for kwargs in
              (dict(), dict(weight=weight), dict(avg_factor=7.0), dict(reduction_override='sum'),
               dict(reduction_override='none'))]
    grad_pred = pred.clone().requires_grad_(True)
    loss(grad_pred, target).backward()
    values.append(grad_pred.grad.tolist())
    for ours, theirs in zip(values, GOLDEN[name]):
        np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-5, atol=1e-6)


def test_built_by_name_and_zero_weights():
    for name in ('DIoULoss', 'CIoULoss', 'BoundedIoULoss', 'BalancedL1Loss', 'MSELoss'):
        assert type(build_loss(dict(type=name))).__name__ == name
    pred, target, _, _ = _inputs()
    assert CIoULoss()(pred, target, weight=torch.zeros(12)).item() == 0
    with pytest.raises(ValueError, match='beta must be positive'):
        BalancedL1Loss(beta=0)(pred, target)
