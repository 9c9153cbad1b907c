"""mmlite.cnn layers against mmcv 1.7.2: same state-dict keys, same zero-initialised entries and the same
outputs for the same weights (tests/data/mmcv172_cnn_golden.pth, written by mmcv 1.7.2 with random weights)."""
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import mmlite.cnn as cnn

GOLDEN = torch.load(Path(__file__).parents[1] / 'data' / 'mmcv172_cnn_golden.pth', weights_only=True)

BUILDERS = {
    'hsig': lambda: cnn.build_activation_layer(dict(type='HSigmoid', bias=1.0, divisor=2.0)),
    'hswish': lambda: cnn.build_activation_layer(dict(type='HSwish')),
    'swish': lambda: cnn.build_activation_layer(dict(type='Swish')),
    'clip': lambda: cnn.build_activation_layer(dict(type='Clip', min=-0.5, max=2.)),
    'scale': lambda: cnn.Scale(1.5),
    'convws': lambda: cnn.build_conv_layer(dict(type='ConvWS'), 8, 4, 3, padding=1, stride=2),
    'convaws': lambda: cnn.build_conv_layer(dict(type='ConvAWS'), 8, 4, 3, padding=1),
    'adapt': lambda: cnn.build_conv_layer(dict(type='Conv2dAdaptivePadding'), 8, 4, 3, stride=2, dilation=2),
    'adapt2': lambda: cnn.build_conv_layer(dict(type='Conv2dAdaptivePadding'), 8, 4, (4, 3), stride=(3, 2)),
    'pixsh': lambda: cnn.build_upsample_layer(dict(type='pixel_shuffle', in_channels=8, out_channels=3,
                                                   scale_factor=2, upsample_kernel=3)),
    'dsconv': lambda: cnn.DepthwiseSeparableConvModule(8, 5, 3, padding=1, norm_cfg=dict(type='BN'), dw_act_cfg=None,
                                                       pw_act_cfg=dict(type='HSwish')),
    'cm_gn': lambda: cnn.ConvModule(8, 4, 3, padding=1, norm_cfg=dict(type='GN', num_groups=2),
                                    act_cfg=dict(type='LeakyReLU', negative_slope=0.2)),
    'cm_order': lambda: cnn.ConvModule(8, 4, 3, stride=2, norm_cfg=dict(type='BN'), order=('norm', 'act', 'conv'),
                                       act_cfg=dict(type='HSigmoid')),
    'cm_reflect': lambda: cnn.ConvModule(8, 4, 3, padding=1, padding_mode='reflect', conv_cfg=dict(type='ConvWS'),
                                         act_cfg=dict(type='Swish')),
}
for _pooling in ('att', 'avg'):
    BUILDERS[f'gc_{_pooling}'] = lambda p=_pooling: cnn.build_plugin_layer(dict(
        type='ContextBlock', in_channels=8, ratio=0.25, pooling_type=p, fusion_types=('channel_add', 'channel_mul')))[1]
for _mode in ('gaussian', 'embedded_gaussian', 'dot_product', 'concatenation'):
    for _sub in (False, True):
        BUILDERS[f'nl2_{_mode}_{_sub}'] = lambda m=_mode, s=_sub: cnn.NonLocal2d(
            8, sub_sample=s, mode=m, norm_cfg=dict(type='BN') if s else None)
    BUILDERS[f'nl1_{_mode}'] = lambda m=_mode: cnn.NonLocal1d(8, sub_sample=True, mode=m)
    BUILDERS[f'nl3_{_mode}'] = lambda m=_mode: cnn.NonLocal3d(8, sub_sample=True, mode=m)


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_layer_matches_mmcv(name):
    case = GOLDEN[name]
    layer = BUILDERS[name]().eval()
    fresh = layer.state_dict()
    assert list(fresh) == case['keys']
    assert [k for k, v in fresh.items() if v.dtype.is_floating_point and v.abs().sum() == 0] == case['init_zero']
    layer.load_state_dict(case['state'], strict=True)
    torch.testing.assert_close(layer(case['x']), case['y'], atol=1e-5, rtol=1e-5)


def test_conv_aws_loads_plain_conv_weights_and_computes_the_same():
    case = GOLDEN['aws_from_plain']
    aws = cnn.ConvAWS2d(8, 4, 3, padding=1)
    result = aws.load_state_dict(case['state'], strict=True)  # no weight_gamma/beta in the file: not missing
    assert not result.missing_keys
    torch.testing.assert_close(aws.weight_gamma, case['gamma'])
    torch.testing.assert_close(aws(case['x']), case['plain_y'], atol=1e-4, rtol=1e-4)


def test_plugin_names_and_registry_errors():
    assert cnn.build_plugin_layer(dict(type='ContextBlock', in_channels=4, ratio=0.5), postfix=3)[0] == 'context_block3'
    assert cnn.build_plugin_layer(dict(type='NonLocal2d', in_channels=4))[0] == 'nonlocal_block'
    name, conv = cnn.build_plugin_layer(dict(type='ConvModule', in_channels=4, out_channels=4, kernel_size=1), 1)
    assert name == 'conv_block1' and isinstance(conv, cnn.ConvModule)
    assert cnn.infer_abbr(type('FancyPlugin2Layer', (nn.Module, ), {})) == 'fancy_plugin2_layer'
    assert cnn.build_plugin_layer(dict(type='GeneralizedAttention', in_channels=8, num_heads=2))[0] == \
        'gen_attention_block'
    with pytest.raises(KeyError, match='EmptyAttention.*plugins'):
        cnn.build_plugin_layer(dict(type='EmptyAttention', in_channels=4))
    with pytest.raises(ValueError, match="pooling_type must be 'avg' or 'att'"):
        cnn.ContextBlock(4, 0.5, pooling_type='max')
    with pytest.raises(ValueError, match='fusion_types'):
        cnn.ContextBlock(4, 0.5, fusion_types=())
    with pytest.raises(ValueError, match='mode must be one of'):
        cnn.NonLocal2d(4, mode='cosine')


def test_small_layers():
    assert cnn.is_norm(nn.GroupNorm(2, 4)) and cnn.is_norm(nn.InstanceNorm2d(4)) and not cnn.is_norm(nn.Conv2d(1, 1, 1))
    assert not cnn.is_norm(nn.BatchNorm2d(4), exclude=(nn.BatchNorm2d, nn.GroupNorm))
    with pytest.raises(TypeError, match='"exclude" must be None'):
        cnn.is_norm(nn.BatchNorm2d(4), exclude=[nn.BatchNorm2d])
    pad = cnn.build_padding_layer(dict(type='reflect'), 2)
    assert isinstance(pad, nn.ReflectionPad2d) and pad(torch.zeros(1, 1, 3, 3)).shape[-1] == 7
    with pytest.raises(KeyError, match='circular'):
        cnn.build_padding_layer(dict(type='circular'), 1)
    same = cnn.build_conv_layer(dict(type='Conv2dAdaptivePadding'), 2, 2, 3, stride=2)
    assert same(torch.zeros(1, 2, 9, 10)).shape[-2:] == (5, 5)  # ceil(size / stride) for any size
    with pytest.raises(TypeError, match='sets groups itself'):
        cnn.DepthwiseSeparableConvModule(4, 4, 3, groups=2)
    assert cnn.Conv2d is nn.Conv2d and cnn.Linear is nn.Linear


def test_models_registry_and_build_model_from_cfg():
    from mmlite.models import MODELS
    assert cnn.MODELS is MODELS
    seq = cnn.build_model_from_cfg([dict(type='Clamp'), dict(type='HSigmoid')], cnn.ACTIVATION_LAYERS)
    assert isinstance(seq, nn.Sequential) and len(seq) == 2
    assert seq(torch.tensor([5.0])).item() == pytest.approx(4 / 6)


def test_mmsyncbn_is_torch_syncbn_with_mmcv_arguments():
    name, norm = cnn.build_norm_layer(dict(type='MMSyncBN', group=None, stats_mode='N'), 4)
    assert name == 'bn' and isinstance(norm, nn.SyncBatchNorm) and norm.stats_mode == 'N'
    assert list(norm.state_dict()) == ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    x = torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(norm.train()(x), nn.BatchNorm2d(4).train()(x))  # one process: plain BN
    with pytest.raises(ValueError, match='stats_mode'):
        cnn.build_norm_layer(dict(type='MMSyncBN', stats_mode='mean'), 4)
