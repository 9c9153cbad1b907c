"""Helpers shared by the backbones: mmdet's pretrained/init rule, the stage loop and frozen-stage training."""
from __future__ import annotations

import warnings

from torch.nn.modules.batchnorm import _BatchNorm

from ...cnn import build_norm_layer

KAIMING_CONV_UNIT_NORM = (dict(type='Kaiming', layer='Conv2d'),
                          dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']))


def add_norm(module, norm_cfg: dict, channels: int, index: int) -> str:
    """Build a norm layer, register it on ``module`` under mmcv's name ('bn1', 'gn2'...) and return the name."""
    name, norm = build_norm_layer(norm_cfg, channels, postfix=index)
    module.add_module(name, norm)
    return name


def set_backbone_init(module, pretrained, init_cfg, default=KAIMING_CONV_UNIT_NORM) -> bool:
    """mmdet's backbone rule: the deprecated ``pretrained`` path becomes a Pretrained ``init_cfg``; with neither,
    ``default`` (Kaiming convs and constant-1 norms; None keeps the backbone's own ``init_weights``). Returns
    whether the default was set."""
    if init_cfg and pretrained:
        raise ValueError('init_cfg and pretrained cannot be specified at the same time')
    if isinstance(pretrained, str):
        warnings.warn('DeprecationWarning: pretrained is deprecated, please use "init_cfg" instead')
        module.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        return False
    if pretrained is not None:
        raise TypeError('pretrained must be a str or None')
    if init_cfg is not None:
        return False
    module.init_cfg = None if default is None else [dict(cfg) for cfg in default]
    return True


def forward_stages(module, names: list, x, out_indices) -> tuple:
    """``x`` through the submodules ``names`` in turn; the outputs of those at ``out_indices``."""
    outs = []
    for i, name in enumerate(names):
        x = getattr(module, name)(x)
        if i in out_indices:
            outs.append(x)
    return tuple(outs)


class FrozenStagesMixin:
    """``train()`` that keeps the frozen stages (``_freeze_stages``) and, with ``norm_eval``, every BN layer
    in eval mode."""

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
