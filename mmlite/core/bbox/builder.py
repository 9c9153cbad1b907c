"""Registries of box assigners, samplers, coders and IoU calculators (mmdet names)."""
from __future__ import annotations

from ...utils import Registry, build_from_cfg
from ...utils.errors import ReadableKeyError

BBOX_ASSIGNERS = Registry('bbox_assigner')
BBOX_SAMPLERS = Registry('bbox_sampler')
BBOX_CODERS = Registry('bbox_coder')
IOU_CALCULATORS = Registry('iou_calculator')


def _build(cfg, registry: Registry, what: str, default_args: dict | None = None):
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ReadableKeyError(f'{what} config needs a "type", got {cfg!r}')
    if isinstance(cfg['type'], str) and registry.get(cfg['type']) is None:
        raise ReadableKeyError(registry.missing_message(cfg['type'], f'{what}.type'))
    return build_from_cfg(cfg, registry, default_args)


def build_assigner(cfg: dict, **default_args):
    return _build(cfg, BBOX_ASSIGNERS, 'assigner', default_args or None)


def build_sampler(cfg: dict, **default_args):
    return _build(cfg, BBOX_SAMPLERS, 'sampler', default_args or None)


def build_bbox_coder(cfg: dict, **default_args):
    return _build(cfg, BBOX_CODERS, 'bbox_coder', default_args or None)


def build_iou_calculator(cfg: dict, default_args: dict | None = None):
    return _build(cfg, IOU_CALCULATORS, 'iou_calculator', default_args)


MATCH_COST = Registry('match_cost')


def build_match_cost(cfg: dict, default_args: dict | None = None):
    return _build(cfg, MATCH_COST, 'match_cost', default_args)
