"""Key conversion of checkpoints from the original repositories to mmdet's layouts (``swin_converter``)."""
from __future__ import annotations

from collections import OrderedDict

import torch

# PatchMerging unfolds a 2x2 window channel-major in (0,0), (0,1), (1,0), (1,1) order; the original Swin
# concatenates the four positions as (0,0), (1,0), (0,1), (1,1).
_MERGE_ORDER = [0, 2, 1, 3]


def _merging_weight(weight: torch.Tensor) -> torch.Tensor:
    out_channels, in_channels = weight.shape
    return weight.reshape(out_channels, 4, in_channels // 4)[:, _MERGE_ORDER].transpose(1, 2).reshape(
        out_channels, in_channels)


def _merging_norm(param: torch.Tensor) -> torch.Tensor:
    return param.reshape(4, -1)[_MERGE_ORDER].transpose(0, 1).reshape(-1)


def _swin_key(key: str) -> str:
    if key.startswith('patch_embed'):
        return key.replace('proj', 'projection')
    if not key.startswith('layers'):
        return key
    if 'attn.' in key:
        key = key.replace('attn.', 'attn.w_msa.')
    elif 'mlp.' in key:
        key = key.replace('mlp.fc1.', 'ffn.layers.0.0.').replace('mlp.fc2.', 'ffn.layers.1.').replace('mlp.', 'ffn.')
    return key.replace('layers', 'stages', 1)


def swin_converter(ckpt: dict) -> OrderedDict:
    """A state dict of the original Swin Transformer repository as mmdet's ``SwinTransformer`` names it
    (``backbone.`` prefix, ``stages``/``w_msa``/``ffn``/``projection``, merging weights reordered); the
    classification ``head`` is dropped."""
    converted = OrderedDict()
    for key, value in ckpt.items():
        if key.startswith('head'):
            continue
        if key.startswith('layers') and 'downsample' in key:
            if 'reduction.' in key:
                value = _merging_weight(value)
            elif 'norm.' in key:
                value = _merging_norm(value)
        converted['backbone.' + _swin_key(key)] = value
    return converted
