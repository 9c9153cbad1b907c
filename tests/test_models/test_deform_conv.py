"""Deformable convolutions (mmcv.ops DeformConv2d/Pack = 'DCN', ModulatedDeformConv2d/Pack = 'DCNv2') and the
backbones' ``dcn`` option against mmcv-full 1.7.2 / mmdet 2.28.2 (tests/data/mmdet2282_dcn_golden.json): init,
outputs and gradients of the ops, ResNet/ResNeXt/Res2Net with deformable stages (offsets scaled up so sampling
really deforms), the shipped dcn/ and dcnv2/ configs and the detectors' layouts."""
import json
import os.path as osp
from collections import OrderedDict

import pytest
import torch

from mmlite.cnn import build_conv_layer
from mmlite.models import build_backbone, build_detector, build_head
from mmlite.ops import DeformConv2d, DeformConv2dPack, ModulatedDeformConv2d, ModulatedDeformConv2dPack
from mmlite.utils import Config

from ._random_weights import check_backbone_case
from ._tiny import CONFIGS, merged_config

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_dcn_golden.json')))
OPS = {'dcn': DeformConv2d, 'mdcn': ModulatedDeformConv2d, 'dcn_pack': DeformConv2dPack,
       'mdcn_pack': ModulatedDeformConv2dPack}


def stats(t):
    return [float(t.detach().double().sum()), float(t.detach().double().abs().sum())]


@pytest.mark.parametrize('name', sorted(GOLDEN['ops']))
def test_ops_match_mmcv(name):
    expected = GOLDEN['ops'][name]
    torch.manual_seed(0)
    op = OPS[name](**expected['kw'])
    assert list(op.state_dict()) == expected['keys']
    for key, value in op.state_dict().items():  # same initialisation from the same seed
        assert stats(value) == pytest.approx(expected['init'][key], rel=1e-6, abs=1e-6), key
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for value in op.state_dict().values():
            value.copy_(torch.randn(value.shape, generator=generator) * 0.3)
    x = torch.randn(2, 4, 9, 11, generator=generator, requires_grad=True)
    if 'pack' in name:
        y = op(x)
    else:
        points = op.kernel_size[0] * op.kernel_size[1]
        out_h, out_w = expected['shape'][2:]
        offset = torch.randn(2, op.deform_groups * 2 * points, out_h, out_w, generator=generator) * 2
        y = op(x, offset) if name == 'dcn' else op(
            x, offset, torch.rand(2, op.deform_groups * points, out_h, out_w, generator=generator))
    y.square().sum().backward()
    assert list(y.shape) == expected['shape']
    for got, want in ((y, 'out'), (x.grad, 'grad'), (op.weight.grad, 'wgrad')):
        assert stats(got) == pytest.approx(expected[want], rel=1e-4, abs=1e-4), want


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_backbones_with_deformable_stages_match_mmdet(name, monkeypatch):
    from . import _random_weights

    redraw = _random_weights.redraw_

    def redraw_with_larger_offsets(module, seed):
        generator = redraw(module, seed)
        with torch.no_grad():
            for key, value in module.state_dict().items():
                if 'conv_offset.weight' in key:
                    value.mul_(20)
        return generator

    monkeypatch.setattr(_random_weights, 'redraw_', redraw_with_larger_offsets)
    model = check_backbone_case(GOLDEN['cases'][name], seed=5)
    dcn_type = {'DCN': DeformConv2dPack, 'DCNv2': ModulatedDeformConv2dPack}[model.dcn['type']]
    last = getattr(model, model.res_layers[-1])
    assert isinstance(last[0].convs[0] if hasattr(last[0], 'convs') else last[0].conv2, dcn_type)
    assert model.dcn == GOLDEN['cases'][name]['cfg']['dcn']  # the config is not modified (mmdet popped a key)


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_shipped_configs_match_mmdet(name):
    keys = ('model', 'optimizer', 'lr_config', 'runner', 'data')
    assert merged_config(osp.join(CONFIGS, name), keys, with_fp16=True) == GOLDEN['configs'][name]


@pytest.mark.parametrize('name', sorted(GOLDEN['layouts']))
def test_detector_layouts_match_mmdet(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.model.backbone.init_cfg = None
    layout = [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()
              if k.startswith('backbone.layer2.0')]
    assert layout == GOLDEN['layouts'][name]


def test_fcos_head_with_a_deformable_last_conv_matches_mmdet():
    """``dcn_on_last_conv=True``: DCNv2 last tower convs whose offsets stay zero after the head's Normal init."""
    expected = GOLDEN['fcos_head']
    torch.manual_seed(0)
    head = build_head(expected['cfg'])
    head.init_weights()
    state = head.state_dict()
    assert [[k, list(v.shape)] for k, v in state.items()] == expected['keys']
    for key, value in state.items():
        assert stats(value) == pytest.approx(expected['init'][key], rel=1e-5, abs=1e-6), key
    generator = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for key, value in state.items():
            noise = torch.randn(value.shape, generator=generator)
            value.copy_(noise / value[0].numel()**0.5 * (20 if 'conv_offset' in key else 1) if value.dim() > 1
                        else 0.1 * noise)
        feats = [torch.randn(2, 8, 12, 16, generator=generator), torch.randn(2, 8, 6, 8, generator=generator)]
        outs = [value for level in head(feats) for t in level for value in stats(t)]
    assert outs == pytest.approx([value for pair in expected['outs'] for value in pair], rel=1e-4, abs=1e-4)


def test_pack_starts_as_a_plain_convolution():
    torch.manual_seed(0)
    for pack in (DeformConv2dPack(4, 6, 3, padding=1), ModulatedDeformConv2dPack(4, 6, 3, padding=1, bias=False)):
        x = torch.randn(1, 4, 7, 8)
        # zero offsets sample the regular grid; DCNv2's zero mask logits halve every sample
        scale = 0.5 if isinstance(pack, ModulatedDeformConv2dPack) else 1.
        torch.testing.assert_close(pack(x), scale * torch.nn.functional.conv2d(x, pack.weight, padding=1))


def test_mmdet_v1_offset_conv_keys_load():
    """mmdet 1.x checkpoints kept a block's offset conv beside its Pack: ``layer2.0.conv2_offset.*``."""
    model = build_backbone(dict(type='ResNet', depth=50, base_channels=8, dcn=dict(type='DCN'),
                                stage_with_dcn=(False, True, False, False)))
    state = OrderedDict((k.replace('conv2.conv_offset.', 'conv2_offset.'), torch.randn(v.shape) if
                         v.dtype.is_floating_point else v) for k, v in model.state_dict().items())
    assert 'layer2.0.conv2_offset.weight' in state
    model.load_state_dict(state, strict=True)
    torch.testing.assert_close(model.layer2[0].conv2.conv_offset.weight, state['layer2.0.conv2_offset.weight'])


def test_small_inputs_and_registry():
    op = DeformConv2d(2, 3, 3, padding=1)
    x, offset = torch.randn(1, 2, 2, 2), torch.randn(1, 18, 2, 2)
    # mmcv zero-padded inputs smaller than the kernel and cropped the output: the same values
    padded = op(torch.nn.functional.pad(x, (0, 1, 0, 1)), torch.nn.functional.pad(offset, (0, 1, 0, 1)))
    torch.testing.assert_close(op(x, offset), padded[:, :, :2, :2])
    with pytest.raises(ValueError, match='offset has 9 channels'):
        op(x, offset[:, :9])
    with pytest.raises(ValueError, match='input has 3 channels'):
        op(torch.randn(1, 3, 2, 2), offset)
    with pytest.raises(ValueError, match='bias'):
        DeformConv2d(2, 3, 3, bias=True)
    with pytest.warns(DeprecationWarning, match='deformable_groups'):
        assert ModulatedDeformConv2d(4, 4, 3, deformable_groups=2).deform_groups == 2
    assert isinstance(build_conv_layer(dict(type='DCNv2', deform_groups=2), 4, 4, 3), ModulatedDeformConv2dPack)


def test_backbone_dcn_errors_and_fallback():
    with pytest.raises(NotImplementedError, match='Bottleneck blocks'):
        build_backbone(dict(type='ResNet', depth=18, dcn=dict(type='DCN'), stage_with_dcn=(False, True, True, True)))
    with pytest.raises(ValueError, match='stage_with_dcn needs one flag per stage'):
        build_backbone(dict(type='ResNet', depth=50, dcn=dict(type='DCN'), stage_with_dcn=(True, True)))
    with pytest.raises(ValueError, match='conv_cfg must be None'):
        build_backbone(dict(type='ResNet', depth=50, conv_cfg=dict(type='ConvWS'), dcn=dict(type='DCN'),
                            stage_with_dcn=(False, True, True, True)))
    model = build_backbone(dict(type='ResNet', depth=50, base_channels=8, stage_with_dcn=(False, True, True, True),
                                dcn=dict(type='DCN', fallback_on_stride=True)))
    # fallback_on_stride keeps the plain conv in every block (mmdet honoured it in the first block only)
    assert not any(isinstance(m, DeformConv2d) for m in model.modules())
