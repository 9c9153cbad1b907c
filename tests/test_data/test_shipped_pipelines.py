"""Every distinct training (and test) pipeline of the shipped configs runs on toy images and yields what the
detectors take (float32 boxes, a float32 image tensor, the collected keys). A unit test per transform cannot
catch a chain that only fails in combination (uint8 images reaching PhotoMetricDistortion, NumPy 2 promoting
cropped boxes)."""
import glob
import json
import os.path as osp
import warnings

import numpy as np
import pytest
import torch

from mmlite.datasets import build_dataset
from mmlite.utils import Config

ROOT = osp.join(osp.dirname(__file__), '..', '..')
# their data cannot come from the toy set: precomputed proposals
NEEDS_PROPOSALS = 'LoadProposals'


def _configs():
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)):
        if '_base_' not in path:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                yield osp.relpath(path, ROOT), Config.fromfile(path)


def _test_pipelines() -> dict:
    """``{pipeline as JSON: (config path, pipeline)}`` of the test sets, one entry per distinct pipeline."""
    found = {}
    for path, cfg in _configs():
        test = cfg.data.get('test', {})
        pipeline = test.get('pipeline') if isinstance(test, dict) else None
        if pipeline and not any(step['type'] == NEEDS_PROPOSALS for step in pipeline):
            found.setdefault(json.dumps(pipeline, sort_keys=True, default=str), (path, pipeline))
    return found


def _train_pipelines() -> dict:
    """``{pipeline as JSON: (config path, outer pipeline or None)}``, one entry per distinct pipeline."""
    found = {}
    for path, cfg in _configs():
        train = cfg.data.train
        outer = train.get('pipeline') if train.get('type') == 'MultiImageMixDataset' else None
        while 'dataset' in train:
            train = train.dataset
        pipeline = train.get('pipeline')
        if not pipeline or any(step['type'] == NEEDS_PROPOSALS for step in pipeline):
            continue
        key = json.dumps([pipeline, outer], sort_keys=True, default=str)
        found.setdefault(key, (path, pipeline, outer))
    return found


PIPELINES, TEST_PIPELINES = _train_pipelines(), _test_pipelines()


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('toy_pipelines') / 'toy') + '/'


@pytest.mark.parametrize('key', list(PIPELINES), ids=[value[0] for value in PIPELINES.values()])
def test_training_pipeline_runs_on_toy_images(key, toy_root):
    path, pipeline, outer = PIPELINES[key]
    toy = dict(type='ToyCocoDataset', ann_file='annotations/instances_train.json', img_prefix='train/',
               data_root=toy_root, num_train=6, num_val=1, seg_prefix='stuffthingmaps/train/', pipeline=pipeline)
    if any(step['type'] == 'LoadPanopticAnnotations' for step in pipeline):  # the toy set as COCO panoptic
        toy.update(type='ToyCocoPanopticDataset', ann_file='annotations/panoptic_train.json',
                   seg_prefix='annotations/panoptic_train/')
    cfg = toy if outer is None else dict(type='MultiImageMixDataset', dataset=dict(toy, filter_empty_gt=False),
                                         pipeline=outer)
    dataset = build_dataset(cfg)
    np.random.seed(0)
    collected = (outer or pipeline)[-1]['keys']
    for idx in range(3):
        sample = dataset[idx]
        assert set(collected) <= set(sample), path
        img = sample['img'].data
        assert img.dtype == torch.float32 and img.dim() == 3, path
        boxes = sample['gt_bboxes'].data
        assert boxes.dtype == torch.float32 and boxes.shape[-1] == 4, path
        if 'gt_labels' in collected:  # (RPN pipelines collect boxes only)
            assert len(sample['gt_labels'].data) == len(boxes), path
        if 'gt_masks' in collected:
            assert len(sample['gt_masks'].data) == len(boxes), path


@pytest.mark.parametrize('key', list(TEST_PIPELINES), ids=[value[0] for value in TEST_PIPELINES.values()])
def test_test_pipeline_runs_on_toy_images(key, toy_root):
    path, pipeline = TEST_PIPELINES[key]
    dataset = build_dataset(dict(type='ToyCocoDataset', ann_file='annotations/instances_val.json', img_prefix='val/',
                                 data_root=toy_root, num_train=6, num_val=1, pipeline=pipeline, test_mode=True))
    sample = dataset[0]
    imgs = sample['img'] if isinstance(sample['img'], list) else [sample['img']]
    metas = sample['img_metas'] if isinstance(sample['img_metas'], list) else [sample['img_metas']]
    assert len(imgs) == len(metas) >= 1, path
    for img, meta in zip(imgs, metas):
        img = getattr(img, 'data', img)
        meta = getattr(meta, 'data', meta)
        assert img.dtype == torch.float32 and img.dim() == 3, path
        assert tuple(img.shape[1:]) == tuple(meta['pad_shape'][:2]) or 'pad_shape' not in meta, path
