"""Loading pretrained weights into ``SwinTransformer``: mmdet checkpoints or, with ``convert_weights``, the
original Swin repository's; position tables of another window size are resized."""
from __future__ import annotations

from collections import OrderedDict

import torch.nn.functional as F

from ...runner.checkpoint import _load_checkpoint, load_state_dict
from ...utils import get_root_logger
from ..utils.ckpt_convert import swin_converter


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


def load_swin_pretrained(model, init_cfg: dict, convert_weights: bool) -> dict:
    """Load ``init_cfg['checkpoint']`` into the Swin ``model`` (not strictly; mismatches are logged) and return
    the load report. Accepts a checkpoint whose weights sit under ``state_dict``, ``model`` or at the top,
    with or without ``backbone.``/``module.`` prefixes."""
    logger = get_root_logger()
    checkpoint = _load_checkpoint(init_cfg['checkpoint'], map_location='cpu', logger=logger)
    state_dict = checkpoint.get('state_dict', checkpoint.get('model', checkpoint))
    if convert_weights:
        state_dict = swin_converter(state_dict)
    state_dict = OrderedDict(_strip(_strip(state_dict, 'backbone.'), 'module.'))
    own = model.state_dict()
    if not any(key in own for key in state_dict if key.startswith('stages.')):
        hint = ('' if convert_weights else '; if it comes from the original Swin repository, set '
                'convert_weights=True')
        raise ValueError(f'{init_cfg["checkpoint"]}: none of its keys names a parameter of the SwinTransformer stages '
                         f'(first keys: {list(state_dict)[:3]}){hint}')
    _fit_position_tables(model, state_dict, logger)
    for key in [k for k in own if k.endswith('relative_position_index')]:
        state_dict[key] = own[key]  # derived from the window size, not learned: the model keeps its own
    return load_state_dict(model, state_dict, strict=False, logger=logger)
