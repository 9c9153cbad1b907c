"""HRNet and HRFPN against mmdet 2.28.2 (tests/data/mmdet2282_hrnet_golden.json): layouts, initialisation,
outputs (BN in eval and train mode, single-scale output, Bottleneck branches, GN), the neck, and the 25 shipped
hrnet/ configs (merged dicts compared by SHA-256 of their canonical JSON; two in full)."""
import hashlib
import json
import os
import os.path as osp

import pytest
import torch

from mmlite.models import build_backbone, build_detector, build_neck
from mmlite.utils import Config

from ._random_weights import check_backbone_case, redraw_
from ._tiny import CONFIGS, merged_config, toy_batch

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_hrnet_golden.json')))
HRNET_CONFIGS = osp.join(CONFIGS, 'hrnet')


def hrnet_extra(width: int, blocks: int = 4, modules=(1, 1, 4, 3), stage1_block='BOTTLENECK', stage1_width=64,
                block='BASIC') -> dict:
    """``extra`` of an HRNetV2 with branch widths ``width * 2**i``."""
    stages = dict(stage1=dict(num_modules=modules[0], num_branches=1, block=stage1_block, num_blocks=(blocks, ),
                              num_channels=(stage1_width, )))
    for index in (2, 3, 4):
        stages[f'stage{index}'] = dict(num_modules=modules[index - 1], num_branches=index, block=block,
                                       num_blocks=(blocks, ) * index,
                                       num_channels=tuple(width * 2**i for i in range(index)))
    return stages


def canonical_sha256(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(',', ':')).encode()).hexdigest()


def layout(module) -> list:
    return [[k, list(v.shape)] for k, v in module.state_dict().items()]


def test_layouts_match_mmdet():
    assert layout(build_backbone(dict(type='HRNet', extra=hrnet_extra(32)))) == GOLDEN['layout_w32']
    for width in (18, 40):
        model = build_backbone(dict(type='HRNet', extra=hrnet_extra(width)))
        assert canonical_sha256(layout(model)) == GOLDEN['layout_sha256'][f'w{width}']
    neck = build_neck(dict(type='HRFPN', in_channels=[32, 64, 128, 256], out_channels=256))
    assert layout(neck) == GOLDEN['layout_hrfpn']


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_and_outputs_match_mmdet(name):
    model = check_backbone_case(GOLDEN['cases'][name], seed=5)
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(m.training != model.norm_eval for m in batch_norms)


@pytest.mark.parametrize('name', sorted(GOLDEN['necks']))
def test_hrfpn_matches_mmdet(name):
    expected = GOLDEN['necks'][name]
    cfg = expected['cfg']
    torch.manual_seed(0)
    neck = build_neck(cfg)
    neck.init_weights()
    generator = redraw_(neck, 3)
    inputs = [torch.randn(2, c, 32 // 2**i, 48 // 2**i, generator=generator) for i, c in enumerate(cfg['in_channels'])]
    with torch.no_grad():
        outs = neck(inputs)
    assert [list(y.shape) for y in outs] == expected['shapes']
    assert [float(y.double().abs().sum()) for y in outs] == pytest.approx(expected['abs'], rel=1e-5)
    assert [float(y.double().sum()) for y in outs] == pytest.approx(expected['sums'], rel=1e-4, abs=1e-3)


def test_zero_init_residual_zeroes_the_last_norm_of_every_block():
    """mmdet's flag had no effect (it tested ``hasattr(self, 'init_cfg')``, always true)."""
    model = build_backbone(dict(type='HRNet', extra=hrnet_extra(4, blocks=1, modules=(1, 1, 1, 1), stage1_width=8),
                                zero_init_residual=True))
    model.init_weights()
    assert (model.layer1[0].norm3.weight == 0).all()
    assert (model.stage4[0].branches[3][0].norm2.weight == 0).all()
    assert (model.norm1.weight == 1).all()


def test_hrfpn_honours_norm_cfg_and_checks_inputs():
    neck = build_neck(dict(type='HRFPN', in_channels=[4, 8], out_channels=8, num_outs=2, norm_cfg=dict(type='BN')))
    assert isinstance(neck.reduction_conv.norm, torch.nn.BatchNorm2d) and neck.fpn_convs[0].conv.bias is None
    with pytest.raises(ValueError, match='expects 2 inputs'):
        neck([torch.zeros(1, 4, 8, 8)])
    with pytest.raises(ValueError, match='pooling_type'):
        build_neck(dict(type='HRFPN', in_channels=[4], out_channels=8, pooling_type='SUM'))


@pytest.mark.parametrize('change, match', [
    (lambda extra: extra.pop('stage3'), 'stage3 is missing'),
    (lambda extra: extra['stage2'].update(block='DENSE'), r"stage2.block must be one of \['BASIC', 'BOTTLENECK'\]"),
    (lambda extra: extra['stage4'].update(num_channels=(8, 16)), 'stage4.num_channels needs num_branches=4'),
    (lambda extra: extra['stage1'].pop('num_modules'), r"stage1 lacks \['num_modules'\]"),
])
def test_bad_extra_is_named(change, match):
    extra = hrnet_extra(4)
    change(extra)
    with pytest.raises(ValueError, match=match):
        build_backbone(dict(type='HRNet', extra=extra))


def test_shipped_configs_match_mmdet():
    # the HTC ones are compared in test_htc.py
    names = sorted(name for name in os.listdir(HRNET_CONFIGS) if not name.startswith('htc_'))
    assert names == sorted(GOLDEN['config_sha256'])
    for name in names:
        mine = merged_config(osp.join(HRNET_CONFIGS, name))
        if name in GOLDEN['configs']:
            assert mine == GOLDEN['configs'][name]
        assert canonical_sha256(mine) == GOLDEN['config_sha256'][name], name


def test_faster_rcnn_hrnet_trains_a_step():
    cfg = Config.fromfile(osp.join(HRNET_CONFIGS, 'faster_rcnn_hrnetv2p_w18_1x_coco.py'))
    cfg.model.backbone.update(init_cfg=None, extra=hrnet_extra(4, blocks=1, modules=(1, 1, 1, 1), stage1_width=8))
    cfg.model.neck.update(in_channels=[4, 8, 16, 32], out_channels=16)
    cfg.model.rpn_head.update(in_channels=16, feat_channels=16)
    cfg.model.roi_head.bbox_roi_extractor.out_channels = 16
    cfg.model.roi_head.bbox_head.update(in_channels=16, fc_out_channels=32, num_classes=3)
    model = build_detector(cfg.model)
    loss, log_vars = model._parse_losses(model.forward_train(**toy_batch()))
    loss.backward()
    assert torch.isfinite(loss) and {'loss_rpn_cls', 'loss_cls', 'loss_bbox'} <= set(log_vars)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
