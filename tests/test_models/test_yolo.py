"""YOLOv3 (Darknet-53, YOLOV3Neck, YOLOV3Head, GridAssigner, YOLOBBoxCoder, YOLOAnchorGenerator) against mmdet
2.28.2 (tests/data/mmdet2282_yolov3_golden.json): config, layout, init, detections and losses."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.core.anchor import YOLOAnchorGenerator
from mmlite.core.bbox import GridAssigner, YOLOBBoxCoder
from mmlite.models import build_detector
from mmlite.utils import Config

from ._random_weights import randomized_detector
from ._tiny import CONFIGS
from .test_mmdet_golden import GOLDEN as TINY
from .test_mmdet_golden import _metas, assert_log_vars_match

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_yolov3_golden.json')))
CONFIG = osp.join(CONFIGS, 'yolo/yolov3_d53_mstrain-608_273e_coco.py')


def _cfg():
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    return cfg


def _randomized_model():
    """The three-class model with every float entry drawn in state-dict order, as recorded."""
    return randomized_detector(CONFIG, 2286)[0]


def test_config_layout_and_head_init_match_mmdet():
    cfg = Config.fromfile(CONFIG)
    mine = dict(model=cfg.model.to_dict(), train_pipeline=cfg.train_pipeline, test_pipeline=cfg.test_pipeline,
                optimizer=cfg.optimizer.to_dict(), lr_config=cfg.lr_config.to_dict())
    assert json.loads(json.dumps(mine)) == GOLDEN['config']
    cfg = _cfg()
    assert [[k, list(v.shape)] for k, v in build_detector(cfg.model).state_dict().items()] == GOLDEN['layout']
    cfg.model.bbox_head.num_classes = 3
    head = build_detector(cfg.model).bbox_head
    head.init_weights()
    biases = [conv.bias.reshape(3, -1)[:, 4:].flatten().tolist() for conv in head.convs_pred]
    assert np.allclose(biases, GOLDEN['pred_biases'])


def test_detections_and_losses_match_mmdet():
    model = _randomized_model().eval()
    with torch.no_grad():
        results = model.simple_test(TINY['img'], _metas(), rescale=True)
    for mine, theirs in zip(results, GOLDEN['simple_test']):
        assert sum(len(d) for d in mine) > 0
        for dets, expected in zip(mine, theirs):
            np.testing.assert_allclose(dets, np.array(expected, dtype=np.float32).reshape(-1, 5), rtol=1e-4, atol=2e-3)
    model.train()
    losses = model.forward_train(TINY['img'], _metas(), gt_bboxes=TINY['gt_bboxes'], gt_labels=TINY['gt_labels'])
    assert_log_vars_match(model._parse_losses(losses)[1], GOLDEN['log_vars'])


def test_grid_assigner_only_makes_responsible_anchors_positive():
    anchors = torch.tensor([[0., 0., 10., 10.], [0., 0., 9., 9.], [20., 20., 30., 30.], [1., 1., 10., 10.]])
    gts = torch.tensor([[0., 0., 10., 10.]])
    responsible = torch.tensor([0, 1, 0, 1], dtype=torch.uint8)
    result = GridAssigner(pos_iou_thr=0.5, neg_iou_thr=0.3).assign(anchors, responsible, gts, torch.tensor([2]))
    # anchor 0 overlaps best but is not responsible: ignored (-1), neither positive nor negative
    assert result.gt_inds.tolist() == [-1, 1, 0, 1] and result.labels.tolist() == [-1, 2, -1, 2]
    two = torch.tensor([[0., 0., 10., 10.], [0., 0., 9.5, 9.5]])
    assigner = GridAssigner(pos_iou_thr=0.9, neg_iou_thr=(0.0, 0.3), gt_max_assign_all=False)
    result = assigner.assign(anchors, torch.tensor([1, 1, 1, 1]), two)
    # both gts' best anchor is anchor 0 (IoU 1 and 0.90): the later gt wins it, as mmdet's loop
    assert result.gt_inds.tolist() == [2, -1, -1, -1]
    empty = GridAssigner(0.5, 0.5).assign(anchors, responsible, torch.zeros(0, 4))
    assert empty.gt_inds.tolist() == [0] * 4


def test_coder_round_trip_and_responsible_cells():
    coder = YOLOBBoxCoder()
    anchors = torch.tensor([[0., 0., 32., 32.], [16., 16., 80., 48.]])
    gts = torch.tensor([[4., 6., 30., 40.], [20., 10., 60., 50.]])
    strides = torch.tensor([32., 16.])
    encoded = coder.encode(anchors, gts, strides)
    assert coder.decode(anchors, encoded, strides[:, None]).numpy() == pytest.approx(gts.numpy(), abs=1e-4)
    generator = YOLOAnchorGenerator(strides=[32, 16], base_sizes=[[(40, 30)], [(10, 12)]])
    flags = generator.responsible_flags([(2, 3), (4, 6)], torch.tensor([[40., 0., 60., 40.]]), device='cpu')
    # centre (50, 20): cell (1, 0) at stride 32, cell (3, 1) at stride 16
    assert flags[0].tolist() == [0, 1, 0, 0, 0, 0] and flags[1].nonzero().flatten().tolist() == [9]


def test_test_cfg_keys_and_augmented_testing_are_checked():
    cfg = _cfg()
    cfg.model.test_cfg.conf_thresh = 0.1
    with pytest.raises(KeyError, match='model.test_cfg.conf_thresh'):
        build_detector(cfg.model)
    model = _randomized_model().eval()
    img, meta = TINY['img'][:1], _metas()[0]
    with pytest.raises(NotImplementedError, match='test-time augmentation is not supported for YOLOV3Head'):
        model.aug_test([img, img], [[meta], [meta]])


def test_darknet_frozen_stages_and_norm_eval():
    from mmlite.models import build_backbone
    backbone = build_backbone(dict(type='Darknet', frozen_stages=2, out_indices=(1, 2))).train()
    frozen = {name.split('.')[0] for name, p in backbone.named_parameters() if not p.requires_grad}
    assert frozen == {'conv1', 'conv_res_block1'}
    assert not any(m.training for m in backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
    outs = backbone(torch.zeros(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 64, 32, 32), (1, 128, 16, 16)]
    with pytest.raises(KeyError, match='invalid depth 21 for darknet'):
        build_backbone(dict(type='Darknet', depth=21))
