"""Every config under configs/ loads, and everything it names is registered in mmlite."""
import glob
import os.path as osp

import pytest
import torch

from mmlite.datasets import DATASETS, PIPELINES
from mmlite.models import build_detector
from mmlite.runner import HOOKS, RUNNERS
from mmlite.utils import Config

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True) if '_base_' not in p)


def _pipeline_types(pipeline):
    for step in pipeline:
        yield step['type']
        yield from _pipeline_types(step.get('transforms', []))
        for policy in step.get('policies', []):  # AutoAugment
            yield from _pipeline_types(policy)


def test_configs_are_found():
    names = {osp.relpath(p, CONFIG_DIR) for p in CONFIGS}
    assert {'faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py', 'retinanet/retinanet_r50_fpn_1x_coco.py',
            'mask_rcnn/mask_rcnn_r50_fpn_1x_coco.py', 'rpn/rpn_r50_fpn_1x_coco.py',
            'quickstart/faster_rcnn_r18_fpn_toy.py', 'quickstart/retinanet_r18_fpn_toy.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, CONFIG_DIR))
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    assert RUNNERS.get(cfg.runner.type) is not None
    for split in ('train', 'val', 'test'):
        dataset = cfg.data[split]
        while 'dataset' in dataset:  # wrappers (MultiImageMixDataset has its own pipeline)
            assert DATASETS.get(dataset.type) is not None
            for step in _pipeline_types(dataset.get('pipeline', [])):
                assert PIPELINES.get(step) is not None, step
            dataset = dataset.dataset
        assert DATASETS.get(dataset.type) is not None
        for step in _pipeline_types(dataset.pipeline):
            assert PIPELINES.get(step) is not None, step
    for hook in cfg.get('custom_hooks', []):
        assert HOOKS.get(hook['type']) is not None
    for hook in cfg.log_config.hooks:
        assert HOOKS.get(hook['type']) is not None
    if 'model' not in cfg:  # common/: data and schedule recipes the model configs inherit, as in mmdet
        assert osp.relpath(path, CONFIG_DIR).startswith('common' + osp.sep), 'a config without a model'
        return
    cfg.model.backbone.init_cfg = None
    if 'teacher_ckpt' in cfg.model:  # distillation: nothing downloaded
        cfg.model.teacher_ckpt = None
    try:  # on the meta device: every layer and shape is built, no memory is filled (4x faster)
        with torch.device('meta'):
            model = build_detector(cfg.model)
    except RuntimeError:  # a layer that reads values while building (e.g. drop-path rates): build it for real
        model = build_detector(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


def test_every_open_mmlab_checkpoint_of_the_configs_has_a_known_url():
    import re

    from mmlite.runner.checkpoint_loader import OPEN_MMLAB_URLS
    names = set()
    for path in CONFIGS:
        names.update(re.findall(r"open-mmlab://([\w./-]+)'", open(path).read()))
    assert names and names <= set(OPEN_MMLAB_URLS), names - set(OPEN_MMLAB_URLS)
