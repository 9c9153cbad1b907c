"""ResNeSt against mmdet 2.28.2 (tests/data/mmdet2282_resnest_golden.json): layouts (SyncBN included),
initialisation, frozen stages and train-mode outputs (radix 1, 2 and 4, grouped, dilated, DCN, caffe style,
without the average-pooled stride), and the shipped configs."""
import json
import os.path as osp

import pytest
import torch

from mmlite.models import build_backbone, build_detector
from mmlite.models.backbones.resnest import RSoftmax, SplitAttentionConv2d
from mmlite.runner.checkpoint_loader import OPEN_MMLAB_URLS
from mmlite.utils import Config

from ._random_weights import check_backbone_case
from ._tiny import CONFIGS, merged_config, tiny_model_cfg, toy_batch

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_resnest_golden.json')))


@pytest.mark.parametrize('name, cfg', [
    ('s50', dict(type='ResNeSt', depth=50)),
    ('s101_syncbn', dict(type='ResNeSt', depth=101, stem_channels=128,
                         norm_cfg=dict(type='SyncBN', requires_grad=True))),
])
def test_layouts_match_mmdet(name, cfg):
    model = build_backbone(cfg)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts'][name]


def test_mask_rcnn_resnest_layout_matches_mmdet():
    cfg = Config.fromfile(osp.join(CONFIGS, 'resnest', 'mask_rcnn_s50_fpn_syncbn-backbone+head_mstrain_1x_coco.py'))
    cfg.model.backbone.init_cfg = None
    model = build_detector(cfg.model)
    assert [[k, list(v.shape)] for k, v in model.state_dict().items()] == GOLDEN['layouts']['mask_rcnn_s50']


@pytest.mark.parametrize('name', sorted(GOLDEN['cases']))
def test_init_freezing_and_outputs_match_mmdet(name):
    check_backbone_case(GOLDEN['cases'][name], seed=5)


def test_split_attention_weights_sum_to_one_over_the_splits():
    weights = RSoftmax(radix=3, groups=2)(torch.randn(4, 2 * 3 * 5))
    # laid out (radix, groups, channels): the weights of one channel across the splits sum to 1
    torch.testing.assert_close(weights.view(4, 3, 2, 5).sum(1), torch.ones(4, 2, 5))
    assert torch.equal(RSoftmax(radix=1, groups=1)(torch.zeros(2, 3)), torch.full((2, 3), 0.5))


def test_split_attention_with_one_split_equals_its_branch_when_the_attention_saturates():
    torch.manual_seed(0)
    conv = SplitAttentionConv2d(8, 8, 3, padding=1, radix=2).eval()
    with torch.no_grad():
        conv.fc2.weight.zero_()
        conv.fc2.bias.copy_(torch.cat([torch.full((8, ), 50.), torch.full((8, ), -50.)]))
    x = torch.randn(2, 8, 6, 6)
    branches = conv.relu(conv.norm0(conv.conv(x)))
    torch.testing.assert_close(conv(x), branches[:, :8])


def test_pretrained_names_resolve():
    assert OPEN_MMLAB_URLS['resnest50'].endswith('resnest50_d2-7497a55b.pth')
    assert OPEN_MMLAB_URLS['resnest101'].endswith('resnest101_d2-f3b931b2.pth')


@pytest.mark.parametrize('name', sorted(GOLDEN['configs']))
def test_shipped_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'resnest', name)) == GOLDEN['configs'][name]


def test_faster_rcnn_resnest_trains_a_step():
    model_cfg = tiny_model_cfg('faster_rcnn')
    model_cfg['backbone'] = dict(type='ResNeSt', depth=50, stem_channels=16, base_channels=8, frozen_stages=1)
    model_cfg['neck']['in_channels'] = [32, 64, 128, 256]
    model = build_detector(model_cfg)
    model.init_weights()
    loss, _ = model._parse_losses(model.forward_train(**toy_batch()))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for n, p in model.named_parameters() if p.requires_grad)


def test_dcn_fallback_on_stride_keeps_plain_convs():
    """mmdet's parent block popped ``fallback_on_stride`` from the shared dict first, so the split-attention
    conv always became a DCN."""
    dcn = dict(type='DCN', deform_groups=1, fallback_on_stride=True)
    model = build_backbone(dict(type='ResNeSt', depth=50, stem_channels=16, base_channels=8, dcn=dcn,
                                stage_with_dcn=(False, True, True, True)))
    assert type(model.layer2[0].conv2.conv) is torch.nn.Conv2d and type(model.layer4[2].conv2.conv) is torch.nn.Conv2d
    assert dcn['fallback_on_stride'] is True  # the caller's config is left as it was
    with_dcn = build_backbone(dict(type='ResNeSt', depth=50, stem_channels=16, base_channels=8,
                                   dcn=dict(dcn, fallback_on_stride=False), stage_with_dcn=(False, True, True, True)))
    assert type(with_dcn.layer2[0].conv2.conv).__name__ == 'DeformConv2dPack'
