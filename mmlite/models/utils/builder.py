"""mmdet.models.utils' ``TRANSFORMER`` registry (whole transformers of DETR-style heads, and ``DynamicConv``)."""
from __future__ import annotations

from ...cnn import LINEAR_LAYERS, build_linear_layer  # noqa: F401
from ...utils import Registry, build_from_cfg

TRANSFORMER = Registry('Transformer')


def build_transformer(cfg: dict, default_args: dict | None = None):
    """A transformer from ``TRANSFORMER``."""
    return build_from_cfg(cfg, TRANSFORMER, default_args)
