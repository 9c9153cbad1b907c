"""Transformer bricks (``FFN``, ``AdaptivePadding``, ``PatchEmbed``, ``PatchMerging``, ``DropPath``) against
mmcv 1.7.2 / mmdet 2.28.2 (the ``bricks`` section of tests/data/mmdet2282_swin_golden.json)."""
import json
import os.path as osp

import pytest
import torch

from mmlite.cnn import (FFN, AdaptivePadding, Dropout, DropPath, PatchEmbed, PatchMerging, build_dropout, nchw_to_nlc,
                        nlc_to_nchw)

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_swin_golden.json')))['bricks']


@pytest.mark.parametrize('case', GOLDEN['pad'], ids=lambda c: str(c[0]))
def test_adaptive_padding_matches_mmdet(case):
    (kernel, stride, dilation, mode, shape), pad_shape, out_shape, weighted_sum = case
    pad = AdaptivePadding(kernel, stride, dilation, mode)
    x = torch.arange(shape[0] * shape[1], dtype=torch.float32).view(1, 1, *shape)
    y = pad(x)
    assert list(pad.get_pad_shape(shape)) == pad_shape and list(y.shape) == out_shape
    assert float((y * torch.arange(y.numel()).view(y.shape)).sum()) == weighted_sum


@pytest.mark.parametrize('case', GOLDEN['embed'], ids=lambda c: str(c[0]['kernel_size']))
def test_patch_embed_matches_mmdet(case):
    cfg, init_out_size, hw, shape, abs_sum = case
    torch.manual_seed(0)
    embed = PatchEmbed(**cfg)
    with torch.no_grad():
        y, out_size = embed(torch.randn(2, 3, *cfg_size(cfg), generator=torch.Generator().manual_seed(1)))
    assert list(embed.init_out_size) == init_out_size and list(out_size) == hw and list(y.shape) == shape
    assert float(y.double().abs().sum()) == pytest.approx(abs_sum, rel=1e-6)


def cfg_size(cfg):
    size = cfg['input_size']
    return (size, size) if isinstance(size, int) else size


@pytest.mark.parametrize('case', GOLDEN['merge'], ids=lambda c: str(c[0].get('kernel_size', 2)))
def test_patch_merging_matches_mmdet(case):
    cfg, hw, out_hw, shape, abs_sum, total = case
    torch.manual_seed(0)
    merging = PatchMerging(**cfg)
    with torch.no_grad():
        y, out_size = merging(torch.randn(2, hw[0] * hw[1], 4, generator=torch.Generator().manual_seed(1)), hw)
    assert list(out_size) == out_hw and list(y.shape) == shape
    assert float(y.double().abs().sum()) == pytest.approx(abs_sum, rel=1e-6)
    assert float(y.double().sum()) == pytest.approx(total, rel=1e-5)


@pytest.mark.parametrize('case', GOLDEN['ffn'], ids=lambda c: str(sorted(c['cfg'])))
def test_ffn_matches_mmcv(case):
    torch.manual_seed(0)
    ffn = FFN(**case['cfg'])
    assert list(ffn.state_dict()) == case['keys']
    x = torch.randn(4, 5, 6, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(9)  # DropPath draws from the global generator, as mmcv's
    with torch.no_grad():
        y = ffn(x) if 'ffn_drop' not in case['cfg'] else ffn.eval()(x)
    assert float(y.double().abs().sum()) == pytest.approx(case['abs'], rel=1e-6)


def test_ffn_deprecated_names_and_identity():
    with pytest.warns(DeprecationWarning) as record:
        ffn = FFN(embed_dims=4, feedforward_channels=8, dropout=0.25, add_residual=False)
    assert ['"dropout" is deprecated' in str(w.message) for w in record] == [True, False]
    assert ffn.layers[-1].p == 0.25 and not ffn.add_identity
    ffn = FFN(embed_dims=4, feedforward_channels=8)
    x, identity = torch.randn(2, 4), torch.randn(2, 4)
    with pytest.warns(DeprecationWarning, match='"residual" is deprecated'):
        torch.testing.assert_close(ffn(x, residual=identity), ffn(x, identity=identity))
    torch.testing.assert_close(ffn(x, identity=identity) - identity, ffn(x) - x)
    with pytest.raises(ValueError, match='num_fcs must be at least 2'):
        FFN(num_fcs=1)


def test_drop_path_draws_like_mmcv():
    x = torch.randn(1000, 3, 2)
    torch.manual_seed(4)
    y = DropPath(0.3).train()(x)
    torch.manual_seed(4)
    keep = (0.7 + torch.rand(1000, 1, 1)).floor()  # mmcv's formula
    torch.testing.assert_close(y, x / 0.7 * keep)
    assert 600 < int(keep.sum()) < 800
    assert DropPath(0.3).eval()(x) is x and DropPath(0.)(x) is x


def test_build_dropout_and_layouts():
    assert isinstance(build_dropout(dict(type='DropPath', drop_prob=0.2)), DropPath)
    dropout = build_dropout(dict(type='Dropout', drop_prob=0.2))
    assert isinstance(dropout, Dropout) and dropout.p == 0.2
    with pytest.raises(KeyError, match='DropBlock'):
        build_dropout(dict(type='DropBlock'))
    x = torch.randn(2, 5, 3, 4)
    tokens = nchw_to_nlc(x)
    assert tokens.shape == (2, 12, 5) and torch.equal(nlc_to_nchw(tokens, (3, 4)), x)
    with pytest.raises(ValueError, match=r'\(N, 4\*4, C\)'):
        nlc_to_nchw(tokens, (4, 4))
    with pytest.raises(ValueError, match='must be "same" or "corner"'):
        AdaptivePadding(padding='valid')
    with pytest.raises(ValueError, match='do not form the given 4x4 map'):
        PatchMerging(5, 10)(tokens, (4, 4))
