"""Fast R-CNN (precomputed proposals, no RPN) against mmdet 2.28.2.

tests/data/mmdet2282_fast_rcnn_golden.pth was written by mmdet 2.28.2 (torch 2.0.1, CPU) with the tiny Faster
R-CNN of ``_tiny.py`` turned into a FastRCNN (weights of mmdet2282_tiny_golden.pth without the RPN) on seeded
random proposals: ``forward_test`` (rescaled) detections and ``forward_train`` (``torch.manual_seed(0)``) log
values. mmdet2282_fast_rcnn_configs.json holds mmdet's merged fast_rcnn/ configs.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.datasets.pipelines import Compose
from mmlite.models import build_detector
from mmlite.parallel import MMDataParallel, collate
from mmlite.utils import Config

from ._tiny import CONFIGS, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _assert_dets_equal, _metas, assert_log_vars_match

DATA = osp.join(osp.dirname(__file__), '..', 'data')
FAST_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_fast_rcnn_golden.pth'), weights_only=True)
FAST_CONFIGS = json.load(open(osp.join(DATA, 'mmdet2282_fast_rcnn_configs.json')))


def _model():
    cfg = tiny_model_cfg('faster_rcnn')
    del cfg['rpn_head']
    cfg.update(type='FastRCNN', train_cfg=dict(rcnn=cfg['train_cfg']['rcnn']),
               test_cfg=dict(rcnn=cfg['test_cfg']['rcnn']))
    model = build_detector(cfg)
    own = model.state_dict()
    model.load_state_dict({k: GOLDEN['weights']['two_stage'][k].to(v.dtype) for k, v in own.items()}, strict=True)
    return model


@pytest.mark.parametrize('name', sorted(FAST_CONFIGS))
def test_configs_match_mmdet(name):
    assert merged_config(osp.join(CONFIGS, 'fast_rcnn', name)) == FAST_CONFIGS[name]


def test_detections_on_given_proposals_match_mmdet():
    with torch.no_grad():
        results = _model().eval().forward_test([GOLDEN['img']], [_metas()], proposals=[FAST_GOLDEN['proposals']],
                                               rescale=True)
    for mine, theirs in zip(results, FAST_GOLDEN['simple_test']):
        assert sum(len(d) for d in mine) > 0
        _assert_dets_equal(mine, theirs)


def test_training_losses_match_mmdet():
    torch.manual_seed(0)
    losses = _model().train().forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'],
                                            gt_labels=GOLDEN['gt_labels'], proposals=FAST_GOLDEN['proposals'])
    _, log_vars = _model()._parse_losses(losses)
    assert_log_vars_match(log_vars, FAST_GOLDEN['log_vars'])


def test_shipped_test_pipeline_carries_proposals_to_the_model():
    """LoadProposals -> ToTensor/ToDataContainer -> Collect -> collate -> MMDataParallel -> FastRCNN."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'fast_rcnn', 'fast_rcnn_r50_fpn_1x_coco.py'))
    pipeline = Compose(cfg.data.test.pipeline[1:])  # the image is given, not loaded
    rng = np.random.RandomState(0)
    img = rng.randint(0, 255, (96, 128, 3)).astype(np.uint8)
    proposals = np.concatenate([FAST_GOLDEN['proposals'][0].numpy(), np.ones((40, 1), np.float32)], 1)
    sample = pipeline(dict(img=img, img_shape=img.shape, ori_shape=img.shape, filename='x.png',
                           ori_filename='x.png', img_fields=['img'], bbox_fields=[], proposals=proposals))
    model = MMDataParallel(_model().eval())
    with torch.no_grad():
        results = model(return_loss=False, rescale=True, **collate([sample]))
    assert len(results) == 1 and len(results[0]) == 3 and all(d.shape[1] == 5 for d in results[0])


def test_missing_proposals_are_a_clear_error():
    with pytest.raises(ValueError, match='needs precomputed proposals'):
        _model().eval().forward_test([GOLDEN['img']], [_metas()])
