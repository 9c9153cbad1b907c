"""Panoptic FPN: same configs, layout, panoptic maps and losses as mmdet 2.28.2; the fusion rules by hand.

tests/data/mmdet2282_panoptic_golden.pth was written by mmdet 2.28.2 (mmcv-full 1.7.2, torch 2.0.1, CPU) on the
shipped panoptic_fpn_r50_fpn_1x_coco.py shrunk as in ``_tiny.py`` (test_cfg.panoptic score_thr 0.05,
stuff_area_limit 300): backbone, neck and RPN weights are those of mmdet2282_tiny_golden.pth, the RoI and semantic
heads' random (float16); with its ``simple_test`` maps (int16; rescaled, and per image at the padded size), the
training log of ``forward_train`` (``torch.manual_seed(0)``, with the recorded ``semantic_seg``, some pixels 255),
and CocoPanopticDataset + LoadPanopticAnnotations samples of the toy panoptic set (2 train / 5 val images).
mmdet2282_panoptic_layout.json holds mmdet's merged panoptic_fpn/ configs, coco_panoptic.py and the full-size
state-dict layout.
"""
import json
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmlite.apis import single_gpu_test
from mmlite.core import INSTANCE_OFFSET, BitmapMasks
from mmlite.datasets import NumClassCheckHook, build_dataloader, build_dataset
from mmlite.models import build_detector, build_head
from mmlite.parallel import MMDataParallel
from mmlite.utils import Config, ConfigDict

from ._tiny import CONFIGS, full_size_layout, load_weights, merged_config, tiny_model_cfg
from .test_mmdet_golden import GOLDEN, _metas, assert_log_vars_match, golden_training_log_vars

DATA = osp.join(osp.dirname(__file__), '..', 'data')
PAN_GOLDEN = torch.load(osp.join(DATA, 'mmdet2282_panoptic_golden.pth'), weights_only=True)
LAYOUT = json.load(open(osp.join(DATA, 'mmdet2282_panoptic_layout.json')))


def _model():
    cfg = tiny_model_cfg('panoptic_fpn')
    cfg['test_cfg']['panoptic'].update(score_thr=0.05, stuff_area_limit=300)
    return load_weights(build_detector(cfg), GOLDEN['weights']['two_stage'], PAN_GOLDEN['weights'])


@pytest.mark.parametrize('name', sorted(LAYOUT['configs']))
def test_configs_match_mmdet(name):
    if name.startswith('_base_'):
        keys = ('data', 'evaluation')
    else:
        keys = ('model', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'data', 'total_epochs')
    mine = merged_config(osp.join(CONFIGS, name), keys, with_fp16='fp16' in LAYOUT['configs'][name])
    assert mine == LAYOUT['configs'][name]


def test_state_dict_layout_matches_mmdet():
    assert full_size_layout(osp.join(CONFIGS, 'panoptic_fpn/panoptic_fpn_r50_fpn_1x_coco.py')) == LAYOUT['layout']


def _assert_maps_equal(mine: np.ndarray, theirs: torch.Tensor, max_pixels: int = 0):
    theirs = theirs.numpy().astype(np.int64)
    assert mine.shape == theirs.shape
    differ = int((mine != theirs).sum())
    assert differ <= max_pixels, f'{differ} pixels differ'


def test_panoptic_maps_match_mmdet():
    with torch.no_grad():
        results = _model().eval().simple_test(GOLDEN['img'], _metas(), rescale=True)
    for result, theirs in zip(results, PAN_GOLDEN['simple_test']):
        pan = result['pan_results']
        assert pan.dtype == np.int32 and len(np.unique(pan // INSTANCE_OFFSET)) > 5  # many instances
        _assert_maps_equal(pan, theirs)


def test_unrescaled_maps_match_mmdet_and_each_image_keeps_its_own_size():
    """mmdet resized every image's semantic logits like the batch's first image; here each uses its own
    shapes, so a batch gives what each image gives alone (equal to mmdet's one-image runs)."""
    metas = _metas()
    metas[1] = dict(metas[1], img_shape=(80, 112, 3), ori_shape=(80, 112, 3))
    model = _model().eval()
    with torch.no_grad():
        batched = model.simple_test(GOLDEN['img'], metas, rescale=True)
        alone = [model.simple_test(GOLDEN['img'][i:i + 1], metas[i:i + 1], rescale=True)[0] for i in range(2)]
        unrescaled = [model.simple_test(GOLDEN['img'][i:i + 1], _metas()[i:i + 1])[0] for i in range(2)]
    assert batched[1]['pan_results'].shape == (80, 112)
    for b, a in zip(batched, alone):
        np.testing.assert_array_equal(b['pan_results'], a['pan_results'])
    for result, theirs in zip(unrescaled, PAN_GOLDEN['simple_test_norescale']):
        _assert_maps_equal(result['pan_results'], theirs)


def test_training_losses_match_mmdet():
    model = _model().train()
    log_vars = golden_training_log_vars(model, with_masks=True, gt_semantic_seg=PAN_GOLDEN['semantic_seg'])
    assert set(log_vars) == set(PAN_GOLDEN['log_vars'])
    assert_log_vars_match(log_vars, PAN_GOLDEN['log_vars'])


def test_training_needs_the_semantic_map():
    with pytest.raises(ValueError, match=r'gt_semantic_seg.*LoadPanopticAnnotations'):
        golden_training_log_vars(_model().train(), with_masks=True)


def test_every_trainable_parameter_gets_a_gradient():
    model = _model().train()
    losses = model.forward_train(GOLDEN['img'], _metas(), gt_bboxes=GOLDEN['gt_bboxes'], gt_labels=GOLDEN['gt_labels'],
                                 gt_masks=[BitmapMasks(m.numpy(), 96, 128) for m in GOLDEN['gt_masks']],
                                 gt_semantic_seg=PAN_GOLDEN['semantic_seg'])
    model._parse_losses(losses)[0].backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing
    assert all(p.grad is not None for p in model.semantic_head.parameters())


def test_thing_labels_train_the_last_semantic_channel():
    head = build_head(dict(type='PanopticFPNHead', num_things_classes=3, num_stuff_classes=2, in_channels=16,
                           inner_channels=8, norm_cfg=None))
    seg = torch.tensor([[0, 2, 3, 4, 255]])
    assert head._set_things_to_void(seg).tolist() == [[2, 2, 0, 1, 255]]


def _fusion(**cfg):
    test_cfg = ConfigDict(dict(dict(mask_thr_binary=0.5, mask_overlap=0.5, stuff_area_limit=3), **cfg))
    return build_head(dict(type='HeuristicFusionHead', num_things_classes=2, num_stuff_classes=2,
                           test_cfg=test_cfg))


def test_fusion_pastes_by_score_drops_covered_masks_and_voids_small_stuff():
    masks = torch.zeros(3, 4, 6)
    masks[0, :, :4] = 0.9   # score 0.5: half covered by the first paste (not more): fills cols 2-3
    masks[1, :, :2] = 0.8   # score 0.9: pasted first
    masks[2, :, :2] = 0.7   # score 0.7: wholly covered, dropped
    bboxes = torch.tensor([[0, 0, 4, 4, 0.5], [0, 0, 2, 4, 0.9], [0, 0, 2, 4, 0.7]])
    labels = torch.tensor([0, 1, 0])
    seg = torch.zeros(3, 4, 6)
    seg[0, :, 3:5] = 5.  # stuff 0 (label 2): cols 2-4 (col 2 by ties), col 4 left uncovered: 4 pixels
    seg[1, 0, 5] = 5.    # stuff 1 (label 3): 1 pixel, below the area limit -> VOID
    seg[2, 1:, 5] = 5.   # the "thing" channel: VOID where no mask lands
    pan = _fusion().simple_test(bboxes, labels, masks, seg)
    expected = torch.tensor([[1 + INSTANCE_OFFSET] * 2 + [2 * INSTANCE_OFFSET] * 2 + [2, 4]] * 4)
    expected[1:, 5] = 4
    assert pan.tolist() == expected.tolist()


def test_quickstart_data_train_a_step_and_evaluate_with_pq(tmp_path):
    """The toy panoptic quickstart's data (generated PNGs loaded, flipped, rescaled, collated) train a tiny
    Panoptic FPN through MMDataParallel, and its test results evaluate to PQ numbers."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'quickstart', 'panoptic_fpn_r18_fpn_toy.py'))
    root = dict(data_root=str(tmp_path / 'toy') + '/', num_train=3, num_val=2)
    train = build_dataset(dict(cfg.data.train, **root))
    loader = build_dataloader(train, samples_per_gpu=2, workers_per_gpu=0, dist=False, shuffle=False)
    data = next(iter(loader))
    seg, img = data['gt_semantic_seg'].data[0], data['img'].data[0]
    assert seg.shape == (2, 1, img.shape[2] // 4, img.shape[3] // 4)
    assert set(seg.unique().tolist()) <= {0, 1, 2, 3, 255} and (seg == 3).any()  # 3: background stuff
    model_cfg = tiny_model_cfg('panoptic_fpn')
    model_cfg['semantic_head']['num_stuff_classes'] = model_cfg['panoptic_fusion_head']['num_stuff_classes'] = 1
    model = MMDataParallel(build_detector(model_cfg))
    outputs = model.train_step(data, None)
    outputs['loss'].backward()
    assert 0 < outputs['log_vars']['loss_seg'] < 10
    test = build_dataset(dict(cfg.data.test, **root), dict(test_mode=True))
    results = single_gpu_test(model.eval(), build_dataloader(test, 1, 0, dist=False, shuffle=False))
    assert [r['pan_results'].shape for r in results] == [(info['height'], info['width']) for info in test.data_infos]
    metrics = test.evaluate(results, metric='PQ')
    assert 0 <= metrics['PQ'] <= 100 and len(metrics['PQ_copypaste'].split()) == 9
    # the class check: instance heads predict the 3 thing classes, the fusion head all 4
    runner = SimpleNamespace(model=model, data_loader=SimpleNamespace(dataset=train))
    NumClassCheckHook().before_train_epoch(runner)
    model_cfg['roi_head']['bbox_head']['num_classes'] = 4
    runner.model = build_detector(model_cfg)
    with pytest.raises(ValueError, match=r"bbox_head.num_classes=4 .* 3 thing classes \('rectangle'"):
        NumClassCheckHook().before_train_epoch(runner)
