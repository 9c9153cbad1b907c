"""``MODELS`` (the model registry; ``mmlite.models``' BACKBONES, HEADS... are this one) and
``build_model_from_cfg``."""
from __future__ import annotations

import torch.nn as nn

from ..runner import Sequential
from ..utils import Registry, build_from_cfg

MODELS = Registry('models')


def build_model_from_cfg(cfg: dict | list, registry: Registry, default_args: dict | None = None) -> nn.Module:
    """A module from ``cfg``, or a ``Sequential`` (a BaseModule) of them from a list of configs."""
    if isinstance(cfg, list):
        return Sequential(*[build_from_cfg(item, registry, default_args) for item in cfg])
    return build_from_cfg(cfg, registry, default_args)
