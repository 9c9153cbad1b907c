"""Loading pretrained weights into the transformer backbones (``SwinTransformer``, ``PyramidVisionTransformer``):
mmdet checkpoints or, with ``convert_weights``, those of the original repositories; Swin's position tables of
another window size are resized."""
from __future__ import annotations

from collections import OrderedDict

import torch.nn.functional as F

from ...runner.checkpoint import _load_checkpoint, load_state_dict
from ...utils import get_root_logger
from ..utils.ckpt_convert import pvt_convert, swin_converter


def _strip(state_dict: dict, prefix: str) -> dict:
    """The entries under ``prefix`` without it, or ``state_dict`` itself when no key has it."""
    if not any(key.startswith(prefix) for key in state_dict):
        return state_dict
    return OrderedDict((key[len(prefix):], value) for key, value in state_dict.items() if key.startswith(prefix))


def _fit_position_tables(model, state_dict: dict, logger) -> None:
    """Reshape a token-layout ``absolute_pos_embed`` to the model's map layout and resize relative position
    bias tables trained with another window size (bicubic); tables that cannot fit are dropped (reported)."""
    own = model.state_dict()
    embed = state_dict.get('absolute_pos_embed')
    if embed is not None and embed.dim() == 3 and 'absolute_pos_embed' in own:
        batch, channels, height, width = own['absolute_pos_embed'].shape
        if tuple(embed.shape) == (batch, height * width, channels):
            state_dict['absolute_pos_embed'] = embed.view(batch, height, width, channels).permute(0, 3, 1, 2)
        else:
            logger.warning(f'absolute_pos_embed of shape {tuple(embed.shape)} does not fit the model; not loaded')
            del state_dict['absolute_pos_embed']
    for key in [k for k in state_dict if 'relative_position_bias_table' in k and k in own]:
        table, target = state_dict[key], own[key]
        if table.shape[1] != target.shape[1]:
            logger.warning(f'{key}: {table.shape[1]} heads in the checkpoint, {target.shape[1]} in the model; '
                           'not loaded')
            del state_dict[key]
        elif table.shape[0] != target.shape[0]:
            side, new_side = round(table.shape[0]**0.5), round(target.shape[0]**0.5)
            grid = table.permute(1, 0).reshape(1, -1, side, side)
            resized = F.interpolate(grid, size=(new_side, new_side), mode='bicubic')
            state_dict[key] = resized.view(target.shape[1], target.shape[0]).permute(1, 0).contiguous()


def read_backbone_weights(model, checkpoint: str, stages: str, converter=None, hint: str = '') -> OrderedDict:
    """The backbone weights of ``checkpoint`` (under ``state_dict``, ``model`` or at the top, with or without
    ``backbone.``/``module.`` prefixes), passed through ``converter`` when given. A checkpoint none of whose
    keys names a parameter of ``model`` under ``stages`` (the prefix of its stage modules) is a ``ValueError``
    (ending with ``hint``)."""
    checkpoint_data = _load_checkpoint(checkpoint, map_location='cpu', logger=get_root_logger())
    state_dict = checkpoint_data.get('state_dict', checkpoint_data.get('model', checkpoint_data))
    if converter is not None:
        state_dict = converter(state_dict)
    state_dict = OrderedDict(_strip(_strip(state_dict, 'backbone.'), 'module.'))
    own = model.state_dict()
    if not any(key in own for key in state_dict if key.startswith(stages)):
        raise ValueError(f'{checkpoint}: none of its keys names a parameter of the {type(model).__name__} stages '
                         f'(first keys: {list(state_dict)[:3]}){hint}')
    return state_dict


def load_swin_pretrained(model, init_cfg: dict, convert_weights: bool) -> dict:
    """Load ``init_cfg['checkpoint']`` into the Swin ``model`` (not strictly; mismatches are logged) and return
    the load report; see :func:`read_backbone_weights`."""
    hint = '' if convert_weights else '; if it comes from the original Swin repository, set convert_weights=True'
    converter = swin_converter if convert_weights else None
    state_dict = read_backbone_weights(model, init_cfg['checkpoint'], 'stages.', converter, hint)
    logger = get_root_logger()
    own = model.state_dict()
    _fit_position_tables(model, state_dict, logger)
    for key in [k for k in own if k.endswith('relative_position_index')]:
        state_dict[key] = own[key]  # derived from the window size, not learned: the model keeps its own
    return load_state_dict(model, state_dict, strict=False, logger=logger)


def load_pvt_pretrained(model, checkpoint: str, convert_weights: bool) -> dict:
    """Load ``checkpoint`` into the PVT ``model`` (not strictly; mismatches are logged; with
    ``convert_weights``, keys of the original PVT repository are renamed by :func:`pvt_convert`) and return
    the load report."""
    hint = '' if convert_weights else '; if it comes from the original PVT repository, set convert_weights=True'
    state_dict = read_backbone_weights(model, checkpoint, 'layers.', pvt_convert if convert_weights else None, hint)
    return load_state_dict(model, state_dict, strict=False, logger=get_root_logger())
