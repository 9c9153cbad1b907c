"""Hybrid Task Cascade: same configs, layouts, detections, masks and losses as mmdet 2.28.2.

tests/data/mmdet2282_htc_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the shipped
htc_r50_fpn_1x_coco.py and htc_without_semantic_r50_fpn_1x_coco.py shrunk as in ``_tiny.py``: backbone, neck and
RPN weights are those of mmdet2282_tiny_golden.pth, the RoI heads' (and the semantic head's) are random (stored in
float16); with mmdet's ``simple_test``, flip ``aug_test`` and ``forward_train`` (``torch.manual_seed(0)``, with the
recorded ``semantic_seg`` maps, some pixels 255) results, and the training losses of HTC without interleaving
and mask information flow. mmdet2282_htc_layout.json holds mmdet's merged configs (htc/, hrnet/ and res2net/ HTC
configs, coco_instance_semantic.py), the state-dict layouts of the two full-size R50-FPN models and
``SegRescale`` outputs.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmlite.datasets import build_dataloader, build_dataset
from mmlite.datasets.pipelines import SegRescale
from mmlite.models import build_detector, build_head
from mmlite.parallel import MMDataParallel
from mmlite.utils import Config

from ._tiny import CONFIGS, HTC, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import (GOLDEN, _assert_dets_equal, _assert_masks_equal, _metas, assert_log_vars_match,
                                flip_aug_results, golden_training_log_vars, tie_order)

DATA = osp.join(osp.dirname(__file__), '..', 'data')
HTC_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_htc_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_htc_layout.json')))


def _model(name, **roi_head):
    cfg = tiny_model_cfg('htc' if name == 'htc_plain' else name)
    cfg['roi_head'].update(roi_head)
    cfg['test_cfg']['rcnn']['max_per_img'] = 20
    cfg['test_cfg']['rpn']['max_per_img'] = 300
    return load_weights(build_detector(cfg), GOLDEN['weights']['two_stage'], HTC_GOLDEN['weights'][name])


def _training_log_vars(model):
    extra = dict(gt_semantic_seg=HTC_GOLDEN['semantic_seg']) if model.with_semantic else {}
    return golden_training_log_vars(model, with_masks=True, **extra)


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    keys = ('data', 'evaluation') if name.startswith('_base_') else ('model', 'optimizer', 'optimizer_config',
                                                                     'lr_config', 'runner', 'data')
    assert merged_config(osp.join(CONFIGS, name), keys) == LAYOUT['configs'][name]


@pytest.mark.parametrize('name', sorted(LAYOUT['state_dicts']))
def test_state_dict_layout_matches_mmdet(name):
    assert full_size_layout(osp.join(CONFIGS, name)) == LAYOUT['state_dicts'][name]


@pytest.mark.parametrize('name', sorted(HTC))
def test_detections_and_masks_match_mmdet(name):
    with torch.no_grad():
        results = _model(name).eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for (bbox, segm), (their_bbox, their_segm) in zip(results, HTC_GOLDEN['models'][name]['simple_test']):
        assert sum(len(d) for d in bbox) > 0
        _assert_dets_equal(bbox, their_bbox)
        _assert_masks_equal(segm, their_segm)


@pytest.mark.parametrize('name', sorted(HTC))
def test_flip_augmented_results_match_mmdet(name):
    (bbox, segm), = flip_aug_results(_model(name).eval())
    their_bbox, their_segm = tie_order(*HTC_GOLDEN['models'][name]['aug_test'][0])
    bbox, segm = tie_order(bbox, segm)
    _assert_dets_equal([b.numpy() for b in bbox], their_bbox)
    _assert_masks_equal(segm, their_segm)


@pytest.mark.parametrize('name', sorted(HTC))
def test_training_losses_match_mmdet(name):
    """Interleaved stages re-sample from their own refined boxes, mask heads pass features on, the semantic
    branch ignores the 255 pixels: every logged value equals mmdet's."""
    log_vars = _training_log_vars(_model(name).train())
    assert ('loss_semantic_seg' in log_vars) == (name == 'htc')
    assert_log_vars_match(log_vars, HTC_GOLDEN['models'][name]['log_vars'])


def test_training_without_interleaving_or_information_flow_matches_mmdet():
    model = _model('htc_plain', interleaved=False, mask_info_flow=False).train()
    assert_log_vars_match(_training_log_vars(model), HTC_GOLDEN['models']['htc_plain'])


def test_without_information_flow_the_test_masks_are_each_heads_own():
    """mmdet's simple_test crashed here (the head returned [logits, feature]); each stage's mask head runs
    on the RoI features alone, and the masks average their probabilities."""
    model = _model('htc_plain', interleaved=False, mask_info_flow=False).eval()
    with torch.no_grad():
        (bbox, segm), _ = model.simple_test(GOLDEN['img'], _metas(), rescale=True)
    assert sum(len(d) for d in bbox) == sum(len(m) for m in segm) > 0


def test_box_only_htc_refines_between_stages(monkeypatch):
    """Without a mask branch, each stage still trains on the previous stage's refined boxes (mmdet skipped
    the refinement when ``interleaved`` and trained every stage on the RPN proposals)."""
    cfg = tiny_model_cfg('htc_without_semantic')
    for key in ('mask_roi_extractor', 'mask_head'):
        cfg['roi_head'].pop(key)
    model = build_detector(cfg).train()
    refined = []
    original = model.roi_head._refined_proposals
    monkeypatch.setattr(model.roi_head, '_refined_proposals', lambda stage, *a: refined.append(stage) or original(
        stage, *a))
    log_vars = golden_training_log_vars(model)
    assert refined == [0, 1] and 's2.loss_bbox' in log_vars and 's0.loss_mask' not in log_vars


def test_semantic_head_needs_the_semantic_maps():
    model = _model('htc').train()
    with pytest.raises(ValueError, match=r'gt_semantic_seg.*with_seg=True'):
        golden_training_log_vars(model, with_masks=True)


def test_config_mistakes_are_named():
    cfg = tiny_model_cfg('htc')
    with pytest.raises(ValueError, match="semantic_fusion: unknown branch.*'box'"):
        build_detector(dict(cfg, roi_head=dict(cfg['roi_head'], semantic_fusion=('box', ))))
    with pytest.raises(ValueError, match='semantic_head needs a semantic_roi_extractor'):
        build_detector(dict(cfg, roi_head=dict(cfg['roi_head'], semantic_roi_extractor=None)))
    with pytest.raises(ValueError, match='fusion_level=5 is not one of the 5 inputs'):
        build_head(dict(type='FusedSemanticHead', num_ins=5, fusion_level=5))


def test_fused_semantic_head_loss_ignores_255_and_takes_the_deprecated_arguments():
    head = build_head(dict(type='FusedSemanticHead', num_ins=2, fusion_level=0, num_convs=1, in_channels=4,
                           conv_out_channels=4, num_classes=3))
    feats = [torch.randn(1, 4, 8, 8), torch.randn(1, 4, 4, 4)]
    logits, embedding = head(feats)
    assert logits.shape == (1, 3, 8, 8) and embedding.shape == (1, 4, 8, 8)
    labels = torch.randint(0, 3, (1, 1, 16, 16))
    ignored = labels.clone()
    ignored[..., :8, :] = 255  # the top half (after nearest resizing to 8x8: rows 0-3)
    expected = torch.nn.functional.cross_entropy(logits, ignored[..., ::2, ::2].squeeze(1), ignore_index=255,
                                                 reduction='sum') / 64 * 0.2
    torch.testing.assert_close(head.loss(logits, ignored), expected)
    with pytest.warns(DeprecationWarning, match='ignore_label and loss_weight are deprecated'):
        old = build_head(dict(type='FusedSemanticHead', num_ins=2, fusion_level=0, ignore_label=7, loss_weight=0.5))
    assert old.criterion.ignore_index == 7 and old.criterion.loss_weight == 0.5
    fresh = build_head(dict(type='FusedSemanticHead', num_ins=2, fusion_level=0))
    assert fresh.criterion.ignore_index == 255 and fresh.criterion.loss_weight == 0.2  # default not mutated


@pytest.mark.parametrize('case', range(len(LAYOUT['seg_rescale'])))
def test_seg_rescale_matches_mmcv(case):
    case = LAYOUT['seg_rescale'][case]
    seg = np.array(case['seg'], dtype=np.uint8)
    out = SegRescale(scale_factor=case['factor'])(dict(gt_semantic_seg=seg, seg_fields=['gt_semantic_seg']))
    np.testing.assert_array_equal(out['gt_semantic_seg'], np.array(case['out'], dtype=np.uint8))


def test_seg_rescale_by_one_keeps_the_map_and_rejects_unknown_backends():
    seg = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert SegRescale()(dict(gt_semantic_seg=seg, seg_fields=['gt_semantic_seg']))['gt_semantic_seg'] is seg
    with pytest.raises(ValueError, match="backend must be 'cv2' or 'pillow'"):
        SegRescale(0.5, backend='turbojpeg')


def test_quickstart_pipeline_feeds_semantic_maps_to_the_model(tmp_path):
    """The toy HTC quickstart's training data (maps loaded, flipped, rescaled to 1/8 after padding, collated)
    drive a tiny HTC's semantic branch through MMDataParallel."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'quickstart', 'htc_r18_fpn_toy.py'))
    train = cfg.data.train
    train.update(data_root=str(tmp_path / 'toy') + '/', num_train=3, num_val=1,
                 ann_file='annotations/instances_train.json', img_prefix='train/',
                 seg_prefix='stuffthingmaps/train/')
    loader = build_dataloader(build_dataset(train), samples_per_gpu=2, workers_per_gpu=0, dist=False, shuffle=False)
    data = next(iter(loader))
    seg = data['gt_semantic_seg'].data[0]
    img = data['img'].data[0]
    assert seg.shape == (2, 1, img.shape[2] // 8, img.shape[3] // 8)
    assert set(seg.unique().tolist()) <= {0, 1, 2, 3, 255} and (seg == 3).any()  # 255: padding, ignored
    model = MMDataParallel(build_detector(tiny_model_cfg('htc')))
    outputs = model.train_step(data, None)
    outputs['loss'].backward()
    assert 0 < outputs['log_vars']['loss_semantic_seg'] < 10
    assert model.module.roi_head.semantic_head.conv_logits.weight.grad.abs().sum() > 0


def test_class_specific_box_regression_trains():
    """mmdet's interleaved refinement indexed class-specific deltas with the background label (an index error);
    background RoIs are regressed by their highest-scoring class, as in Cascade R-CNN."""
    cfg = tiny_model_cfg('htc_without_semantic')
    for head in cfg['roi_head']['bbox_head']:
        head['reg_class_agnostic'] = False
    log_vars = golden_training_log_vars(build_detector(cfg).train(), with_masks=True)
    assert all(np.isfinite(v) for v in log_vars.values()) and log_vars['s2.loss_mask'] > 0
