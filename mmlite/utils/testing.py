"""mmcv.utils' test helpers: boolean checks for dicts, attributes, norm layers and zeroed parameters."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


def assert_dict_contains_subset(dict_obj: dict, expected_subset: dict) -> bool:
    """Every key of ``expected_subset`` is in ``dict_obj`` with an equal value (arrays compared elementwise)."""
    return all(key in dict_obj and _equal(dict_obj[key], value) for key, value in expected_subset.items())


def assert_attrs_equal(obj: Any, expected_attrs: dict) -> bool:
    """``obj`` has each attribute with the expected value."""
    return all(hasattr(obj, name) and _equal(getattr(obj, name), value) for name, value in expected_attrs.items())


def assert_dict_has_keys(obj: dict, expected_keys: list) -> bool:
    return set(expected_keys).issubset(obj.keys())


def assert_keys_equal(result_keys: list, target_keys: list) -> bool:
    return set(result_keys) == set(target_keys)


def assert_is_norm_layer(module: nn.Module) -> bool:
    return isinstance(module, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))


def assert_params_all_zeros(module: nn.Module) -> bool:
    """The module's weight (and bias, if any) are all zero."""
    weight_zero = bool((module.weight.data == 0).all())
    bias = getattr(module, 'bias', None)
    return weight_zero and (bias is None or bool((bias.data == 0).all()))
