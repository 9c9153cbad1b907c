"""PVT and PVTv2 against mmdet 2.28.2 (tests/data/mmdet2282_pvt_golden.json): layouts, initialisation, outputs
(position embeddings resized to other inputs, stage norms and conv FFNs, stochastic depth in train mode),
loading checkpoints laid out as the original PVT repository's, the key converter, and the shipped configs."""
import json
import os.path as osp

import pytest
import torch

from mmlite.cnn import MultiheadAttention
from mmlite.models import build_backbone, build_detector
from mmlite.models.backbones.pvt import AbsolutePositionEmbedding, SpatialReductionAttention
from mmlite.models.utils import pvt_convert
from mmlite.utils import Config

from ._random_weights import check_backbone_case
from ._tiny import CONFIGS, merged_config, tiny_model_cfg, toy_batch

DATA = osp.join(osp.dirname(__file__), '..', 'data')
GOLDEN = json.load(open(osp.join(DATA, 'mmdet2282_pvt_golden.json')))
LAYOUT_CFGS = {
    'pvt_t': dict(type='PyramidVisionTransformer', num_layers=[2, 2, 2, 2]),
    'pvtv2_b0': dict(type='PyramidVisionTransformerV2', embed_dims=32, num_layers=[2, 2, 2, 2]),
    'pvtv2_b5': dict(type='PyramidVisionTransformerV2', embed_dims=64, num_layers=[3, 6, 40, 3],
                     mlp_ratios=(4, 4, 4, 4))}


@pytest.mark.parametrize('name', sorted(LAYOUT_CFGS))
def test_layouts_match_mmdet(name):
    model = build_backbone(LAYOUT_CFGS[name])
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts'][name]


def test_retinanet_pvtv2_layout_matches_mmdet():
    cfg = Config.fromfile(osp.join(CONFIGS, 'pvt', 'retinanet_pvtv2-b0_fpn_1x_coco.py'))
    cfg.model.backbone.init_cfg = None
    model = build_detector(cfg.model)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts']['retinanet_pvtv2_b0']


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_and_outputs_match_mmdet(name):
    check_backbone_case(GOLDEN['cases'][name], seed=5)


@pytest.fixture(scope='module')
def originals(tmp_path_factory):
    """The original-layout checkpoints (fp16 in the repository; mmdet loaded them as float32)."""
    folder = tmp_path_factory.mktemp('pvt')
    saved = torch.load(osp.join(DATA, 'mmdet2282_pvt_pretrained.pth'))
    files = {}
    for name, state_dict in saved.items():
        files[name] = str(folder / f'{name}.pth')
        torch.save({'model': {k: v.float() for k, v in state_dict.items()}}, files[name])
    return files


@pytest.mark.parametrize('name', sorted(GOLDEN['pretrained']))
def test_original_checkpoints_load_as_in_mmdet(name, originals):
    expected = GOLDEN['pretrained'][name]
    model = build_backbone(dict(expected['cfg'], init_cfg=dict(checkpoint=originals[name])))
    model.init_weights()
    with torch.no_grad():
        outs = model.eval()(torch.randn(1, 3, 64, 48, generator=torch.Generator().manual_seed(2)))
    assert float(sum(v.double().sum() for v in model.state_dict().values())) == pytest.approx(expected['state_sum'])
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-4)
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], rel=1e-4, abs=1e-3)


@pytest.mark.parametrize('name', ['v1', 'v2'])
def test_converter_matches_mmdet(name):
    original = {k: v.float() for k, v in torch.load(osp.join(DATA, 'mmdet2282_pvt_pretrained.pth'))[name].items()}
    converted = pvt_convert(original)
    expected = GOLDEN['converted_' + name]
    assert [[k, list(v.shape)] for k, v in converted.items()] == [entry[:2] for entry in expected]
    assert [float(v.double().sum()) for v in converted.values()] == pytest.approx([e[2] for e in expected])
    assert pvt_convert(converted).keys() == converted.keys()  # mmdet-layout keys are left alone


def test_mmdet_checkpoint_of_a_detector_loads_into_the_backbone(tmp_path):
    """A RetinaNet-PVT checkpoint (``backbone.`` prefix) as pretrained backbone: every weight arrives (mmdet
    converts the keys blindly and then loads none of them, silently)."""
    cfg = dict(type='PyramidVisionTransformerV2', embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4])
    source = build_backbone(cfg)
    source.init_weights()
    torch.save({'state_dict': {'backbone.' + k: v for k, v in source.state_dict().items()}, 'meta': {}},
               tmp_path / 'det.pth')
    target = build_backbone(dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'det.pth'))))
    target.init_weights()
    for (key, mine), theirs in zip(target.state_dict().items(), source.state_dict().values()):
        assert torch.equal(mine, theirs), key


def test_checkpoint_of_another_model_is_a_clear_error(tmp_path):
    torch.save({'state_dict': {'conv1.weight': torch.zeros(1)}}, tmp_path / 'resnet.pth')
    model = build_backbone(dict(type='PyramidVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
                                init_cfg=dict(checkpoint=str(tmp_path / 'resnet.pth')), convert_weights=False))
    with pytest.raises(ValueError, match='resnet.pth: none of its keys .* set convert_weights=True'):
        model.init_weights()


def test_spatial_reduction_attention_equals_attention_on_the_reduced_map():
    torch.manual_seed(0)
    attention = SpatialReductionAttention(8, 2, sr_ratio=2).eval()
    x = torch.randn(2, 6 * 4, 8)
    reduced = attention.norm(attention.sr(x.transpose(1, 2).reshape(2, 8, 6, 4)).flatten(2).transpose(1, 2))
    expected = x + attention.attn(x, reduced, reduced)[0]
    torch.testing.assert_close(attention(x, (6, 4)), expected)
    seq_first = SpatialReductionAttention(8, 2, sr_ratio=2, batch_first=False).eval()
    seq_first.load_state_dict(attention.state_dict())
    torch.testing.assert_close(seq_first(x.transpose(0, 1), (6, 4)).transpose(0, 1), expected)


def test_multihead_attention_adds_positions_to_query_and_key_only():
    torch.manual_seed(0)
    attention = MultiheadAttention(8, 2, batch_first=True).eval()
    query, key, pos = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 5, 8)
    out = attention(query, key, query_pos=pos)
    expected = query + attention.attn(query + pos, key, key)[0]  # key_pos defaults to query_pos only if shaped alike
    torch.testing.assert_close(out, expected)
    with pytest.warns(DeprecationWarning, match='dropout'):
        legacy = MultiheadAttention(8, 2, dropout=0.3)
    assert legacy.attn.dropout == 0.3 and legacy.dropout_layer.p == 0.3


def test_position_embedding_is_used_as_is_at_its_own_size():
    embed = AbsolutePositionEmbedding(4, 3)
    embed.init_weights()
    assert embed.resize_pos_embed(embed.pos_embed, (4, 4)) is not None
    torch.testing.assert_close(embed.resize_pos_embed(embed.pos_embed, (4, 4)), embed.pos_embed)
    assert embed.resize_pos_embed(embed.pos_embed, (2, 6)).shape == (1, 12, 3)


@pytest.mark.parametrize('cfg, error, match', [
    (dict(type='PyramidVisionTransformer', num_layers=[1, 1]), ValueError, 'num_stages is 4 .*num_layers'),
    (dict(type='PyramidVisionTransformer', out_indices=(4, )), ValueError, r'out_indices \(4,\) must index'),
    (dict(type='PyramidVisionTransformerV2', use_conv_ffn=False), TypeError, 'fixes'),
])
def test_bad_arguments_are_named(cfg, error, match):
    with pytest.raises(error, match=match):
        build_backbone(cfg)


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_shipped_configs_match_mmdet(name):
    keys = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'auto_scale_lr', 'fp16')
    assert merged_config(osp.join(CONFIGS, 'pvt', name), keys) == GOLDEN['configs'][name]


@pytest.mark.parametrize('version', ['PyramidVisionTransformer', 'PyramidVisionTransformerV2'])
def test_retinanet_pvt_trains_a_step(version):
    model_cfg = tiny_model_cfg('retinanet')
    model_cfg['backbone'] = dict(type=version, embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 2, 2, 4],
                                 pretrain_img_size=64)
    model_cfg['neck']['in_channels'] = [8, 16, 16, 32]
    model = build_detector(model_cfg)
    model.init_weights()
    loss, _ = model._parse_losses(model.forward_train(**toy_batch()))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
