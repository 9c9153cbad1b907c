"""The config and model of a test run, shared by tools/test.py and tools/analysis_tools/benchmark.py."""
from __future__ import annotations

from ..cnn import fuse_conv_bn
from ..models import build_detector
from ..runner import load_checkpoint, wrap_fp16_model
from ..utils import Config, compat_cfg, get_device, replace_cfg_vals, setup_multi_processes, update_data_root


def load_test_config(config: str, cfg_options: dict | None = None) -> Config:
    """``config`` resolved for testing: overrides merged, legacy keys moved, no pretrained weights (the
    checkpoint has them all), no ``train_cfg``, and ``cfg.device`` set."""
    cfg = replace_cfg_vals(Config.fromfile(config))
    update_data_root(cfg)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    cfg = compat_cfg(cfg)
    setup_multi_processes(cfg)
    if 'pretrained' in cfg.model:
        cfg.model.pretrained = None
    elif 'init_cfg' in cfg.model.get('backbone', {}):
        cfg.model.backbone.init_cfg = None
    cfg.device = get_device()
    cfg.model.train_cfg = None
    return cfg


def build_test_model(cfg: Config, checkpoint: str, fuse: bool = False, dataset=None):
    """The detector of ``cfg`` with ``checkpoint``'s weights (fp16-wrapped when the config asks; conv and
    BN fused with ``fuse``); ``CLASSES`` from the checkpoint, else from ``dataset``."""
    model = build_detector(cfg.model, test_cfg=cfg.get('test_cfg'))
    if cfg.get('fp16') is not None:
        wrap_fp16_model(model)
    loaded = load_checkpoint(model, checkpoint, map_location='cpu')
    if fuse:
        model = fuse_conv_bn(model.eval())
    meta = loaded.get('meta', {})
    if 'CLASSES' in meta:
        model.CLASSES = meta['CLASSES']
    elif dataset is not None:
        model.CLASSES = dataset.CLASSES
    return model
