"""``is_module_wrapper``: whether a module wraps another as ``.module``."""
from __future__ import annotations

import torch.nn as nn

from .registry import MODULE_WRAPPERS


def _wrapper_classes(registry) -> tuple:
    classes = tuple(registry.module_dict.values())
    for child in registry.children.values():
        classes += _wrapper_classes(child)
    return classes


def is_module_wrapper(module: nn.Module) -> bool:
    """Whether ``module`` is an instance of a class registered in ``MODULE_WRAPPERS``
    (DataParallel, DistributedDataParallel, MMDataParallel, MMDistributedDataParallel, or a
    user's own registered wrapper)."""
    return isinstance(module, _wrapper_classes(MODULE_WRAPPERS))
