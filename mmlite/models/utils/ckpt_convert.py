"""Key conversion of checkpoints from the original repositories to mmdet's layouts (``swin_converter``,
``pvt_convert``)."""
from __future__ import annotations

import re
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


_PVT_BLOCK_RENAMES = (('attn.q.', 'attn.attn.in_proj_'), ('attn.proj.', 'attn.attn.out_proj.'),
                      ('mlp.fc1.', 'ffn.layers.0.'), ('mlp.dwconv.dwconv.', 'ffn.layers.1.'))


def _pvt_block_entry(rest: str, value: torch.Tensor, ckpt: dict, key: str, conv_ffn: bool):
    """The mmdet name (after the layer prefix) and value of an original PVT block entry ``rest``."""
    if rest.startswith('attn.q.'):  # q and kv projections form nn.MultiheadAttention's in_proj
        value = torch.cat([value, ckpt[key.replace('attn.q.', 'attn.kv.')]], dim=0)
    if rest.startswith(('mlp.fc1.', 'mlp.fc2.')) and rest.endswith('weight'):
        value = value.reshape(*value.shape, 1, 1)  # linear layers become 1x1 convs
    for old, new in _PVT_BLOCK_RENAMES + (('mlp.fc2.', f'ffn.layers.{4 if conv_ffn else 3}.'), ):
        if rest.startswith(old):
            return new + rest[len(old):], value
    return rest, value


def pvt_convert(ckpt: dict) -> OrderedDict:
    """A state dict of the original PVT / PVTv2 repository as mmdet's ``PyramidVisionTransformer(V2)`` names
    it: ``patch_embed{s}``, ``pos_embed{s}``, ``block{s}.{j}`` and ``norm{s}`` become ``layers.{s-1}.0``,
    ``.1.0.pos_embed``, ``.1.{j}`` (after the position embedding, when there is one) and ``.2``; the q and kv
    projections are concatenated, MLP weights become 1x1 convs. The classifier, final norm and class token are
    dropped (and the class token's slot removed from stage 4's position embedding). Other keys stay as they
    are, so converting an mmdet checkpoint changes nothing."""
    has_pos_embed = any(key.startswith('pos_embed') for key in ckpt)
    conv_ffn = any('dwconv' in key for key in ckpt)
    converted = OrderedDict()
    for key, value in ckpt.items():
        if key.startswith(('head', 'norm.', 'cls_token')):
            continue
        match = re.match(r'(pos_embed|patch_embed|block|norm)(\d)(?:\.(\d+))?\.?(.*)$', key)
        if match is None:
            converted[key] = value
            continue
        kind, stage, index, rest = match.group(1), int(match.group(2)) - 1, match.group(3), match.group(4)
        if kind == 'pos_embed':
            key = f'layers.{stage}.1.0.pos_embed'
            value = value[:, 1:] if stage == 3 and value.size(1) == 50 else value  # 1 class token + 7x7
        elif kind == 'patch_embed':
            key = f'layers.{stage}.0.' + rest.replace('proj.', 'projection.')
        elif kind == 'norm':
            key = f'layers.{stage}.2.' + rest
        elif rest.startswith('attn.kv.'):
            continue
        else:
            rest, value = _pvt_block_entry(rest, value, ckpt, key, conv_ffn)
            key = f'layers.{stage}.1.{int(index) + has_pos_embed}.{rest}'
        converted[key] = value
    return converted
