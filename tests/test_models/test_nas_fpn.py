"""NAS-FPN (NASFPN neck, merge cells, RetinaSepBNHead) and its FPN baseline: same configs, layouts, detections and
losses as mmdet 2.28.2.

tests/data/mmdet2282_nasfpn_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the two
shipped nas_fpn/ configs shrunk as in ``_tiny.py``: backbone weights are those of mmdet2282_tiny_golden.pth, the
rest random (stored in float16, BN variances positive; the head's shared convs receive the last level's draw, as
loading does in both); inputs are the golden images zero-padded to 128x128 (NAS-FPN pools P7 from P6); with
``simple_test``, flip ``aug_test`` and ``forward_train`` (also with an image without objects).
"""
import json
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from mmlite.models import build_detector
from mmlite.ops import ConcatCell, GlobalPoolingCell, SumCell

from ._tiny import CONFIGS, full_size_layout, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match, tiny_golden_model

DATA = osp.join(osp.dirname(__file__), '..', 'data')
NAS_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_nasfpn_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_nasfpn_layout.json')))
KEYS = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'evaluation', 'checkpoint_config')
NAMES = ['nasfpn', 'sepbn_fpn']
IMG = F.pad(GOLDEN['img'], (0, 0, 0, 32))


def _metas128():
    return [dict(m, pad_shape=(128, 128, 3)) for m in _metas()]


def _model(name):
    return tiny_golden_model(name, NAS_GOLDEN['weights'][name])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'nas_fpn', name), KEYS) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, 'nas_fpn', name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', NAMES)
def test_detections_match_mmdet(name):
    model = _model(name).eval()
    with torch.no_grad():
        results = model.simple_test(IMG, _metas128(), rescale=True)
        meta = _metas128()[0]
        aug = model.aug_test([IMG[:1], IMG[:1].flip(-1)],
                             [[dict(meta)], [dict(meta, flip=True, flip_direction='horizontal')]], rescale=True)
    expected = NAS_GOLDEN['models'][name]
    for mine, theirs in zip(results, expected['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)
    _assert_dets_equal(aug[0], expected['aug_test'][0])


@pytest.mark.parametrize('name', NAMES)
def test_training_losses_match_mmdet(name):
    expected = NAS_GOLDEN['models'][name]
    model = _model(name).train()
    torch.manual_seed(0)
    losses = model.forward_train(IMG, _metas128(), GOLDEN['gt_bboxes'], GOLDEN['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], expected['log_vars'])
    torch.manual_seed(0)
    losses = model.forward_train(IMG, _metas128(), [GOLDEN['gt_bboxes'][0], torch.zeros((0, 4))],
                                 [GOLDEN['gt_labels'][0], torch.zeros((0, ), dtype=torch.long)])
    assert_log_vars_match(model._parse_losses(losses)[1], expected['log_vars_one_empty'])


def test_sepbn_head_shares_convs_not_norms():
    head = _model('nasfpn').bbox_head
    assert head.cls_convs[0][0].conv is head.cls_convs[4][0].conv
    assert head.cls_convs[0][0].norm is not head.cls_convs[4][0].norm
    cfg = tiny_model_cfg('nasfpn')
    cfg['bbox_head']['init_cfg'] = dict(type='Normal')
    with pytest.raises(ValueError, match='init_cfg'):
        build_detector(cfg)


def test_merge_cells_resize_and_fuse():
    x1, x2 = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 3, 5)
    summed = SumCell(4, 4, with_out_conv=False)(x1, x2, out_size=(3, 5))  # 8x8 padded to 9x10, pooled 3x2
    expected = F.max_pool2d(F.pad(x1, (1, 1, 0, 1)), kernel_size=(3, 2), stride=(3, 2)) + x2
    torch.testing.assert_close(summed, expected)
    pooled = GlobalPoolingCell(with_out_conv=False)(x2, x1)  # x2 upsampled to 8x8, weighted by x1's pooled gate
    torch.testing.assert_close(pooled, x1 + x1.mean((2, 3), keepdim=True).sigmoid() * F.interpolate(x2, (8, 8)))
    assert ConcatCell(4, 6)(x1, x1).shape == (1, 6, 8, 8)
    with pytest.raises(ValueError, match='upsample_mode'):
        SumCell(4, 4, upsample_mode='area')
