"""``OPTIMIZERS`` (every torch.optim optimizer), ``build_optimizer`` and constructor registry."""
from __future__ import annotations

import copy
import inspect

import torch
import torch.nn as nn

from ...utils import Registry, build_from_cfg

OPTIMIZERS = Registry('optimizer')
OPTIMIZER_BUILDERS = Registry('optimizer builder')


def register_torch_optimizers() -> list[str]:
    """Register each ``torch.optim`` optimizer class under its name; return the names."""
    names = []
    for name in dir(torch.optim):
        if name.startswith('__'):
            continue
        cls = getattr(torch.optim, name)
        if inspect.isclass(cls) and issubclass(cls, torch.optim.Optimizer) \
                and cls is not torch.optim.Optimizer and name not in OPTIMIZERS:
            OPTIMIZERS.register_module(name=name, module=cls)
            names.append(name)
    return names


TORCH_OPTIMIZERS = register_torch_optimizers()


def build_optimizer_constructor(cfg: dict):
    """Build an optimizer constructor (``DefaultOptimizerConstructor`` or a registered one)."""
    return build_from_cfg(cfg, OPTIMIZER_BUILDERS)


def build_optimizer(model: nn.Module, cfg: dict) -> torch.optim.Optimizer:
    """Build an optimizer for ``model`` from ``cfg`` (``type``, ``lr``..., optional
    ``paramwise_cfg`` and ``constructor``). The caller's dict is not modified."""
    optimizer_cfg = copy.deepcopy(dict(cfg))
    constructor_type = optimizer_cfg.pop('constructor', 'DefaultOptimizerConstructor')
    paramwise_cfg = optimizer_cfg.pop('paramwise_cfg', None)
    constructor = build_optimizer_constructor(
        dict(type=constructor_type, optimizer_cfg=optimizer_cfg, paramwise_cfg=paramwise_cfg))
    return constructor(model)
