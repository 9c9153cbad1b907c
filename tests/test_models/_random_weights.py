"""Full-size models with weights drawn from one seeded generator in state-dict order, as recorded in mmdet."""
import pytest
import torch

from mmlite.models import build_backbone, build_detector
from mmlite.utils import Config


def randomized_detector(config_path: str, seed: int, num_classes: int = 3):
    """The config's detector with ``num_classes`` and drawn weights (convs/linears ``N(0, 1/fan_in)``, norm
    weights ``1 + N(0, 0.1)``, running variances ``1 + |N(0, 0.1)|``, the rest ``N(0, 0.1)``); returns the
    model and the generator (mmdet's recording drew its inputs next)."""
    cfg = Config.fromfile(config_path)
    cfg.model.backbone.init_cfg = None
    cfg.model.bbox_head.num_classes = num_classes
    model = build_detector(cfg.model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if not value.dtype.is_floating_point:
                continue
            noise = torch.randn(value.shape, generator=generator)
            if value.dim() > 1:
                value.copy_(noise / value[0].numel()**0.5)
            elif key.endswith('running_var'):
                value.copy_(1 + 0.1 * noise.abs())
            else:
                value.copy_(1 + 0.1 * noise if key.endswith('weight') else 0.1 * noise)
    return model, generator


def redraw_(module, seed: int) -> torch.Generator:
    """Redraw every float entry of ``module``'s state dict in order: weights of dim > 1 ``N(0, 1/fan_in)``,
    running variances ``1 + |N(0, 0.1)|``, the rest ``N(0, 0.1)``; returns the generator for the inputs."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, value in module.state_dict().items():
            if value.dtype.is_floating_point:
                noise = torch.randn(value.shape, generator=generator)
                if 'running_var' in key:
                    value.copy_(1 + 0.1 * noise.abs())
                else:
                    value.copy_(noise / value[0].numel()**0.5 if value.dim() > 1 else 0.1 * noise)
    return generator


def check_backbone_case(expected: dict, seed: int):
    """Build ``expected['cfg']`` after ``torch.manual_seed(0)``, init it, compare the zeroed entries; redraw
    (:func:`redraw_`, ``seed``), run an ``expected["input_shape"]`` input (default (2, 3, 64, 64)) in train
    mode and compare the frozen parameters and the outputs with the recording. Returns the model."""
    torch.manual_seed(0)
    model = build_backbone(expected['cfg'])
    model.init_weights()
    state = model.state_dict()
    assert sorted(k for k, v in state.items() if v.dtype.is_floating_point and v.abs().sum() == 0) == expected['zeros']
    x = torch.randn(*expected.get('input_shape', (2, 3, 64, 64)), generator=redraw_(model, seed))
    with torch.no_grad():
        outs = model.train()(x)
    assert sorted(n for n, p in model.named_parameters() if not p.requires_grad) == expected['frozen']
    assert [list(y.shape) for y in outs] == expected['shapes']
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], rel=1e-4, abs=1e-4)
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-4)
    return model
