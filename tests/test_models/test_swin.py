"""Swin Transformer against mmdet 2.28.2 (tests/data/mmdet2282_swin_golden.json): layouts, initialisation, frozen
stages, outputs (incl. padding to whole windows, shifted windows, absolute position embedding and stochastic
depth in train mode), pretrained loading from the original repository's and mmdet's checkpoints (the original
one also with another window size), and the shipped configs."""
import json
import os.path as osp
from collections import OrderedDict

import pytest
import torch

from mmlite.models import build_backbone, build_detector
from mmlite.models.backbones.swin import WindowMSA, shifted_window_mask, window_partition
from mmlite.models.utils import swin_converter
from mmlite.utils import Config

from ._random_weights import check_backbone_case
from ._tiny import CONFIGS, merged_config, tiny_model_cfg, toy_batch

DATA = osp.join(osp.dirname(__file__), '..', 'data')
GOLDEN = json.load(open(osp.join(DATA, 'mmdet2282_swin_golden.json')))
LAYOUT_CFGS = {
    'swin_t': dict(type='SwinTransformer', embed_dims=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24]),
    'swin_s': dict(type='SwinTransformer', embed_dims=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24]),
    'swin_abs_nonorm': dict(type='SwinTransformer', embed_dims=32, depths=[2, 2], num_heads=[2, 4],
                            use_abs_pos_embed=True, patch_norm=False, out_indices=(1, ), qkv_bias=False)}


@pytest.mark.parametrize('name', sorted(LAYOUT_CFGS))
def test_layouts_match_mmdet(name):
    model = build_backbone(LAYOUT_CFGS[name])
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts'][name]


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_freezing_and_outputs_match_mmdet(name):
    model = check_backbone_case(GOLDEN['cases'][name], seed=5)
    if model.frozen_stages >= 0:
        assert not model.patch_embed.training and not model.stages[0].training and model.stages[-1].training


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp('swin')
    saved = torch.load(osp.join(DATA, 'mmdet2282_swin_pretrained.pth'))
    noindex = OrderedDict((k, v) for k, v in saved['original'].items() if 'relative_position_index' not in k)
    files = {}
    for name, checkpoint in (('original', {'model': saved['original']}), ('original_noindex', {'model': noindex}),
                             ('mmdet', {'state_dict': saved['mmdet'], 'meta': {}})):
        files[name] = str(folder / f'{name}.pth')
        torch.save(checkpoint, files[name])
    return files


@pytest.mark.parametrize('name', sorted(GOLDEN['pretrained']))
def test_pretrained_loading_matches_mmdet(name, checkpoints):
    expected = GOLDEN['pretrained'][name]
    cfg = json.loads(json.dumps(expected['cfg']))
    cfg['init_cfg']['checkpoint'] = checkpoints[cfg['init_cfg']['checkpoint']]
    model = build_backbone(cfg)
    model.init_weights()
    with torch.no_grad():
        outs = model.eval()(torch.randn(1, 3, 48, 40, generator=torch.Generator().manual_seed(2)))
    state = model.state_dict()
    tables = [float(state[k].double().sum()) for k in state if 'relative_position_bias_table' in k]
    assert tables == pytest.approx(expected['tables'], rel=1e-5)
    assert [float(state[k].double().sum()) for k in state if k.startswith('norm')] == expected['norms']
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-4)
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], abs=1e-4)


def test_window_size_change_keeps_the_models_position_index(checkpoints):
    """mmdet crashes here (the checkpoint's 16x16 relative_position_index against the model's 36x36)."""
    cfg = dict(GOLDEN['pretrained']['original_window6']['cfg'])
    cfg['init_cfg'] = dict(type='Pretrained', checkpoint=checkpoints['original'])
    model = build_backbone(cfg)
    index = model.stages[0].blocks[0].attn.w_msa.relative_position_index.clone()
    model.init_weights()
    assert torch.equal(model.stages[0].blocks[0].attn.w_msa.relative_position_index, index)
    assert model.stages[0].blocks[0].attn.w_msa.relative_position_bias_table.shape == (121, 2)


def test_unconverted_original_checkpoint_is_a_clear_error(checkpoints):
    cfg = dict(GOLDEN['pretrained']['original']['cfg'], convert_weights=False)
    cfg['init_cfg'] = dict(type='Pretrained', checkpoint=checkpoints['original'])
    with pytest.raises(ValueError, match='set convert_weights=True'):
        build_backbone(cfg).init_weights()


def test_plain_backbone_checkpoint_loads(tmp_path):
    """A checkpoint of the bare backbone (no ``backbone.`` prefix) loads; mmdet drops every key and crashes."""
    source = build_backbone(dict(GOLDEN['pretrained']['mmdet']['cfg'], init_cfg=None))
    torch.save(source.state_dict(), tmp_path / 'plain.pth')
    target = build_backbone(dict(GOLDEN['pretrained']['mmdet']['cfg'],
                                 init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'plain.pth'))))
    target.init_weights()
    for (key, mine), theirs in zip(target.state_dict().items(), source.state_dict().values()):
        assert torch.equal(mine, theirs), key


def test_converter_renames_and_reorders_merging():
    saved = torch.load(osp.join(DATA, 'mmdet2282_swin_pretrained.pth'))
    converted = swin_converter(saved['original'])
    # the original's final norm and classification head have no mmdet counterpart (head dropped); the
    # position embedding stays in token layout (the loader reshapes it)
    assert set(converted) - set(saved['mmdet']) == {'backbone.norm.weight', 'backbone.norm.bias',
                                                    'backbone.absolute_pos_embed'}
    for key in set(converted) & set(saved['mmdet']):
        assert torch.equal(converted[key], saved['mmdet'][key]), key


def test_gradient_checkpointing_gives_the_same_gradients():
    cfg = dict(type='SwinTransformer', embed_dims=16, depths=(2, 2), num_heads=(2, 2), window_size=4,
               drop_path_rate=0., out_indices=(0, 1))
    grads = []
    for with_cp in (False, True):
        torch.manual_seed(0)
        model = build_backbone(dict(cfg, with_cp=with_cp))
        x = torch.randn(1, 3, 40, 36, requires_grad=True, generator=torch.Generator().manual_seed(1))
        sum(y.square().sum() for y in model(x)).backward()
        grads.append([x.grad] + [p.grad for p in model.parameters()])
    for plain, checkpointed in zip(*grads):
        torch.testing.assert_close(plain, checkpointed)


def test_window_attention_equals_the_explicit_softmax():
    torch.manual_seed(0)
    attention = WindowMSA(8, 2, (3, 3))
    attention.init_weights()
    x = torch.randn(8, 9, 8)
    mask = shifted_window_mask(6, 6, 3, 1, x.device)
    out = attention(x, mask)
    q, k, v = attention.qkv(x).view(8, 9, 3, 2, 4).permute(2, 0, 3, 1, 4)
    logits = (q * attention.scale) @ k.transpose(-2, -1) + attention.position_bias()
    logits = (logits.view(2, 4, 2, 9, 9) + mask[None, :, None]).view(8, 2, 9, 9)
    expected = attention.proj((logits.softmax(-1) @ v).transpose(1, 2).reshape(8, 9, 8))
    torch.testing.assert_close(out, expected)


def test_shift_mask_separates_regions():
    mask = shifted_window_mask(4, 4, 2, 1, torch.device('cpu'))
    assert mask.shape == (4, 4, 4)
    assert (mask[0] == 0).all()  # the top-left window holds one region
    # bottom-right window: four tokens from four regions, each attends only to itself
    assert torch.equal(mask[3] == 0, torch.eye(4, dtype=torch.bool))
    assert window_partition(torch.arange(16.).view(1, 4, 4, 1), 2)[1, :, 0].tolist() == [2, 3, 6, 7]


@pytest.mark.parametrize('cfg, match', [
    (dict(strides=(2, 2, 2, 2)), 'must equal patch_size'),
    (dict(depths=(2, 2), num_heads=(2, 2, 2)), 'one entry per stage'),
    (dict(depths=(2, 2), num_heads=(2, 2)), r'out_indices \(0, 1, 2, 3\) must index the 2 stages'),
    (dict(frozen_stages=5), 'frozen_stages must be in'),
    (dict(init_cfg=dict(type='Pretrained', checkpoint='x.pth'), pretrained='y.pth'), 'cannot be specified'),
])
def test_bad_arguments_are_named(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_backbone(dict(type='SwinTransformer', **cfg))


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_shipped_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'swin', name), with_fp16=True) == GOLDEN['configs'][name]


def test_mask_rcnn_swin_trains_a_step_without_decay_on_norms_and_position_tables():
    from mmlite.runner import build_optimizer
    cfg = Config.fromfile(osp.join(CONFIGS, 'swin', 'mask_rcnn_swin-t-p4-w7_fpn_1x_coco.py'))
    model_cfg = tiny_model_cfg('mask_rcnn')  # narrow heads
    model_cfg['backbone'] = dict(cfg.model.backbone, init_cfg=None, embed_dims=8, depths=[1, 1, 1, 1],
                                 num_heads=[1, 1, 2, 2])
    model_cfg['neck']['in_channels'] = [8, 16, 32, 64]
    model = build_detector(model_cfg)
    optimizer = build_optimizer(model, cfg.optimizer)
    decay = {id(p): group['weight_decay'] for group in optimizer.param_groups for p in group['params']}
    names = dict(model.named_parameters())
    assert decay[id(names['backbone.stages.0.blocks.0.attn.w_msa.relative_position_bias_table'])] == 0
    assert decay[id(names['backbone.stages.0.blocks.0.norm1.weight'])] == 0
    assert decay[id(names['backbone.stages.0.blocks.0.ffn.layers.0.0.weight'])] == 0.05
    loss, _ = model._parse_losses(model.forward_train(**toy_batch(with_mask=True)))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
