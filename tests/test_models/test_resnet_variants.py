"""ResNeXt, ResNetV1d and ResNet(deep_stem=True) against mmdet 2.28.2: state-dict names and shapes,
initialisation, frozen parameters, BN modes and features for the same seeded random weights."""
import json
from pathlib import Path

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmlite.models import build_backbone

GOLDEN = json.loads((Path(__file__).parents[1] / 'data' / 'mmdet2282_resnet_variants_golden.json').read_text())


def _randomize(state: dict) -> None:
    """The weights the golden features were computed with (positive running variances)."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, value in state.items():
            if not value.dtype.is_floating_point:
                continue
            if name.endswith('running_var'):
                value.copy_(torch.randn(value.shape, generator=generator) * 0.2 + 1.0).abs_()
            else:
                value.copy_(torch.randn(value.shape, generator=generator) * 0.2)


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_backbone_matches_mmdet(name):
    expected = GOLDEN['expected'][name]
    torch.manual_seed(0)
    model = build_backbone(dict(GOLDEN['configs'][name]))
    model.init_weights()
    state = model.state_dict()
    assert [[k, list(v.shape)] for k, v in state.items()] == expected['keys']
    assert sorted(k for k, v in state.items() if v.dtype.is_floating_point and v.abs().sum() == 0) == expected['zeros']
    assert sorted(k for k, p in model.named_parameters() if not p.requires_grad) == expected['frozen']
    model.train()
    assert sorted(k for k, m in model.named_modules() if isinstance(m, _BatchNorm) and m.training) \
        == expected['bn_train']
    _randomize(state)
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(2)))
    assert [list(y.shape) for y in outs] == expected['shapes']
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['ysum'], rel=1e-4, abs=1e-4)
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['yabs'], rel=1e-4, abs=1e-4)
