"""ResNet ``plugins`` (GCNet's ContextBlock, NonLocal2d, any PLUGIN_LAYERS entry) against mmdet 2.28.2:
the same state-dict names, the same initialisation pattern and the same features for the same weights."""
import copy
from pathlib import Path

import pytest
import torch

from mmlite.models import build_backbone

GOLDEN = torch.load(Path(__file__).parents[1] / 'data' / 'mmdet2282_resnet_plugins_golden.pth', weights_only=True)


def _golden_state() -> dict:
    state, offset = {}, 0
    for name, shape in zip(GOLDEN['names'], GOLDEN['shapes']):
        numel = int(torch.Size(shape).numel())
        value = GOLDEN['flat'][offset:offset + numel].view(shape)
        state[name] = value.long() if name in GOLDEN['int_entries'] else value
        offset += numel
    return state


def test_plugins_match_mmdet_names_init_and_features():
    torch.manual_seed(0)
    model = build_backbone(copy.deepcopy(GOLDEN['cfg']))
    model.init_weights()
    fresh = model.state_dict()
    assert list(fresh) == GOLDEN['names']
    zeros = sorted(k for k, v in fresh.items() if v.dtype.is_floating_point and v.abs().sum() == 0)
    assert zeros == GOLDEN['init_zero']
    assert sorted(k for k, v in fresh.items()
                  if v.dtype.is_floating_point and v.numel() > 1 and (v == 1).all()) == GOLDEN['init_one']
    model.load_state_dict(_golden_state(), strict=True)
    model.eval()
    for ours, theirs in zip(model(GOLDEN['x']), GOLDEN['ys']):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-4)
    assert model.layer1[0].after_conv1_plugin_names == ['conv_block_x']
    assert model.layer3[1].after_conv2_plugin_names == ['nonlocal_block1']
    assert not model.layer1[0].after_conv3_plugin_names


def test_plugin_config_errors_name_the_key():
    base = dict(type='ResNet', depth=50, base_channels=4, num_stages=2, strides=(1, 2), dilations=(1, 1),
                out_indices=(0, 1))
    plugin = dict(cfg=dict(type='ContextBlock', ratio=0.25), position='after_conv3')
    with pytest.raises(ValueError, match='one flag per stage'):
        build_backbone(dict(base, plugins=[dict(plugin, stages=(True, False, True))]))
    with pytest.raises(KeyError, match='position must be one of'):
        build_backbone(dict(base, plugins=[dict(plugin, position='after_conv4')]))
    with pytest.raises(ValueError, match='postfix'):
        build_backbone(dict(base, plugins=[plugin, plugin]))
    with pytest.raises(NotImplementedError, match='Bottleneck blocks'):
        build_backbone(dict(base, depth=18, plugins=[plugin]))
    # plugins and deformable convs combine, as in mmdet's gcnet dconv configs
    model = build_backbone(dict(base, plugins=[plugin], dcn=dict(type='DCNv2', deform_groups=1),
                                stage_with_dcn=(False, True)))
    assert type(model.layer2[0].conv2).__name__ == 'ModulatedDeformConv2dPack'
    assert model(torch.randn(1, 3, 64, 64))[1].shape == (1, 32, 8, 8)
