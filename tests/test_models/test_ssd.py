"""SSD300 (SSDVGG, SSDNeck, SSDHead, SSDAnchorGenerator, mmcv's VGG) and SSDLite (MobileNetV2, depthwise neck and
head) against mmdet 2.28.2 (tests/data/mmdet2282_ssd{300,lite}_golden.json): config, layout, detections and
hard-negative-mined losses."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.cnn import VGG
from mmlite.core.anchor import SSDAnchorGenerator
from mmlite.models import build_detector, build_neck
from mmlite.utils import Config

from ._random_weights import randomized_detector
from ._tiny import CONFIGS
from .test_mmdet_golden import GOLDEN as TINY
from .test_mmdet_golden import assert_log_vars_match

DATA = osp.join(osp.dirname(__file__), '..', 'data')
# name: config, golden, weight seed, input size, the last config entry compared
CASES = {'ssd300': ('ssd/ssd300_coco.py', 'mmdet2282_ssd300_golden.json', 2287, 300, 'input_size'),
         'ssdlite': ('ssd/ssdlite_mobilenetv2_scratch_600e_coco.py', 'mmdet2282_ssdlite_golden.json', 2288, 320,
                     'runner')}
GOLDEN = {name: json.load(open(osp.join(DATA, case[1]))) for name, case in CASES.items()}
CONFIG = osp.join(CONFIGS, CASES['ssd300'][0])


@pytest.mark.parametrize('name', sorted(CASES))
def test_config_and_layout_match_mmdet(name):
    cfg = Config.fromfile(osp.join(CONFIGS, CASES[name][0]))
    last = CASES[name][4]
    mine = dict(model=cfg.model.to_dict(), train_pipeline=cfg.train_pipeline, test_pipeline=cfg.test_pipeline,
                optimizer=cfg.optimizer.to_dict(), lr_config=cfg.lr_config.to_dict(),
                data_train=cfg.data.train.to_dict(), custom_hooks=cfg.custom_hooks, **{last: cfg[last]})
    assert json.loads(json.dumps(mine, default=lambda o: o.to_dict())) == GOLDEN[name]['config']
    cfg.model.backbone.init_cfg = None
    assert [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()] == GOLDEN[name]['layout']


def randomized_golden_batch(generator, height: int, width: int, img_scale: float) -> tuple:
    """The recordings' input: two ``img_scale``-scaled normal images drawn next from ``generator``, and the golden
    metas at that size."""
    img = torch.randn(2, 3, height, width, generator=generator) * img_scale
    metas = [dict(meta, img_shape=(height, width, 3), pad_shape=(height, width, 3), ori_shape=(height, width, 3),
                  scale_factor=np.ones(4, dtype=np.float32)) for meta in TINY['metas']]
    return img, metas


def assert_detections_match(model, img, metas, expected: list) -> None:
    """``simple_test`` (rescaled) gives the recorded per-class detections, some for every image."""
    with torch.no_grad():
        results = model.eval().simple_test(img, metas, rescale=True)
    for mine, theirs in zip(results, expected):
        assert sum(len(d) for d in mine) > 0
        for dets, recorded in zip(mine, theirs):
            np.testing.assert_allclose(dets, np.array(recorded, dtype=np.float32).reshape(-1, 5), rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize('name', sorted(CASES))
def test_detections_and_losses_match_mmdet(name):
    config, _, seed, size, _ = CASES[name]
    model, generator = randomized_detector(osp.join(CONFIGS, config), seed)
    img, metas = randomized_golden_batch(generator, size, size, 50)
    assert_detections_match(model, img, metas, GOLDEN[name]['simple_test'])
    losses = model.train().forward_train(img, metas, gt_bboxes=[b * 2.3 for b in TINY['gt_bboxes']],
                                         gt_labels=TINY['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], GOLDEN[name]['log_vars'])


def test_anchor_sizes_and_counts():
    coco = SSDAnchorGenerator(strides=[8, 16, 32, 64, 100, 300], ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]],
                              basesize_ratio_range=(0.15, 0.9), input_size=300, scale_major=False)
    assert coco.base_sizes == [21, 45, 99, 153, 207, 261] and coco.num_base_priors == [4, 6, 6, 6, 4, 4]
    first = coco.base_anchors[0]
    # the two squares first (min size, then sqrt(min * max)), centred in the 8 px cell
    assert first[0].tolist() == [-6.5, -6.5, 14.5, 14.5]
    assert float(first[1, 2] - first[1, 0]) == pytest.approx(np.sqrt(21 * 45), rel=1e-5)
    voc = SSDAnchorGenerator(strides=[8, 16, 32, 64, 100, 300], ratios=[[2], [2, 3], [2, 3], [2, 3], [2], [2]],
                             basesize_ratio_range=(0.2, 0.9), input_size=300)
    assert voc.base_sizes[0] == 30
    with pytest.raises(ValueError, match='supports input_size 300 with'):
        SSDAnchorGenerator(strides=[8, 16, 32], ratios=[[2]] * 3, input_size=320)


def test_neck_keeps_its_own_init_cfg_and_l2_scale():
    cfg = dict(type='SSDNeck', in_channels=(8, 16), out_channels=(8, 16, 8, 8), level_strides=(2, 1),
               level_paddings=(1, 0), l2_norm_scale=20)
    first, second = build_neck(cfg), build_neck(cfg)
    # mmdet appended the L2 init to the shared default list: it grew with every neck built
    assert len(first.init_cfg) == len(second.init_cfg) == 3
    second.init_weights()
    assert second.l2_norm.weight.detach().tolist() == [20.] * 8
    outs = second(tuple(torch.randn(1, c, s, s) for c, s in ((8, 16), (16, 8))))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 8, 4, 4), (1, 8, 2, 2)]
    with pytest.raises(ValueError, match='out_channels must start with in_channels'):
        build_neck(dict(cfg, out_channels=(16, 16, 8, 8)))


def test_vgg_stages_and_ssd_train_cfg_keys():
    vgg = VGG(11, with_bn=True, out_indices=(1, 3), frozen_stages=1)
    outs = vgg.train()(torch.zeros(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 128, 16, 16), (1, 512, 4, 4)]
    assert not any(p.requires_grad for p in vgg.features[0].parameters())
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    cfg.model.train_cfg.neg_pos_ratios = 3
    with pytest.raises(KeyError, match='model.train_cfg.neg_pos_ratios'):
        build_detector(cfg.model)
