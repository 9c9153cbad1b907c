"""Plugin layers (``PLUGIN_LAYERS``, ``build_plugin_layer``): blocks inserted into a backbone by config."""
from __future__ import annotations

import inspect
import re

import torch.nn as nn

from ..utils import Registry
from .conv_module import ConvModule
from .layer_builders import lookup_layer

PLUGIN_LAYERS = Registry('plugin layer')
PLUGIN_LAYERS.register_module(module=ConvModule)


def infer_abbr(class_type: type) -> str:
    """The layer's name stem: its ``_abbr_`` attribute, else its class name in snake case."""
    if not inspect.isclass(class_type):
        raise TypeError(f'class_type must be a type, but got {type(class_type)}')
    if hasattr(class_type, '_abbr_'):
        return class_type._abbr_
    return re.sub(r'(?<=[a-z0-9])([A-Z])', r'_\1', class_type.__name__).lower()


def build_plugin_layer(cfg: dict, postfix: int | str = '', **kwargs) -> tuple[str, nn.Module]:
    """``(name, layer)``: the plugin of ``cfg['type']`` built with ``cfg``'s other keys and ``kwargs``;
    ``name`` is its abbreviation plus ``postfix`` (e.g. 'context_block3')."""
    if not isinstance(postfix, (int, str)):
        raise TypeError(f'postfix must be an int or a str, got {type(postfix)}')
    plugin, cfg = lookup_layer(cfg, PLUGIN_LAYERS, 'plugins[].cfg')
    return infer_abbr(plugin) + str(postfix), plugin(**kwargs, **cfg)
