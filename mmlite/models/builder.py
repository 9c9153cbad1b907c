"""Model registries with mmdet 2.x names (all aliases of one ``MODELS`` registry, as in mmdet) and
the ``build_*`` helpers."""
from __future__ import annotations

import warnings

from ..cnn import MODELS
from ..runner import Sequential
from ..utils import build_from_cfg
from ..utils.errors import ReadableKeyError

BACKBONES = NECKS = ROI_EXTRACTORS = SHARED_HEADS = HEADS = LOSSES = DETECTORS = MODELS


def _build(cfg: dict | list, what: str, default_args: dict | None = None):
    if isinstance(cfg, list):  # several modules in a row (e.g. neck=[FPN, BFP]), as mmcv builds them
        return Sequential(*[_build(item, f'{what}[{i}]', default_args) for i, item in enumerate(cfg)])
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ReadableKeyError(f'{what} config needs a "type", got {cfg!r}')
    if isinstance(cfg['type'], str) and MODELS.get(cfg['type']) is None:
        raise ReadableKeyError(MODELS.missing_message(cfg['type'], f'{what}.type'))
    return build_from_cfg(cfg, MODELS, default_args)


def build_backbone(cfg: dict):
    return _build(cfg, 'model.backbone')


def build_neck(cfg: dict):
    return _build(cfg, 'model.neck')


def build_roi_extractor(cfg: dict):
    return _build(cfg, 'roi_extractor')


def build_shared_head(cfg: dict):
    return _build(cfg, 'shared_head')


def build_head(cfg: dict):
    return _build(cfg, 'head')


def build_loss(cfg: dict):
    return _build(cfg, 'loss')


def build_detector(cfg: dict, train_cfg: dict | None = None, test_cfg: dict | None = None):
    """Build a detector from ``model=dict(type=..., ...)``.

    ``train_cfg``/``test_cfg`` outside the model dict are deprecated (as in mmdet 2.x); they are
    used when the model dict does not set them.
    """
    if train_cfg is not None or test_cfg is not None:
        warnings.warn('train_cfg and test_cfg is deprecated, please specify them in model', UserWarning)
    if cfg.get('train_cfg') is not None and train_cfg is not None:
        raise ValueError('train_cfg specified in both outer field and model field')
    if cfg.get('test_cfg') is not None and test_cfg is not None:
        raise ValueError('test_cfg specified in both outer field and model field')
    return _build(cfg, 'model', dict(train_cfg=train_cfg, test_cfg=test_cfg))
