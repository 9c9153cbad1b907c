"""Layer builders with mmcv.cnn names: conv, norm, activation, upsample and linear layers."""
from __future__ import annotations

import inspect

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from ..utils import Registry, build_from_cfg
from ..utils.errors import ReadableKeyError

CONV_LAYERS = Registry('conv layer')
NORM_LAYERS = Registry('norm layer')
ACTIVATION_LAYERS = Registry('activation layer')
UPSAMPLE_LAYERS = Registry('upsample layer')
LINEAR_LAYERS = Registry('linear layer')

for _name, _cls in (('Conv1d', nn.Conv1d), ('Conv2d', nn.Conv2d), ('Conv3d', nn.Conv3d), ('Conv', nn.Conv2d)):
    CONV_LAYERS.register_module(name=_name, module=_cls)
for _name, _cls in (('BN', nn.BatchNorm2d), ('BN1d', nn.BatchNorm1d), ('BN2d', nn.BatchNorm2d),
                    ('BN3d', nn.BatchNorm3d), ('SyncBN', nn.SyncBatchNorm), ('GN', nn.GroupNorm),
                    ('LN', nn.LayerNorm), ('IN', nn.InstanceNorm2d), ('IN1d', nn.InstanceNorm1d),
                    ('IN2d', nn.InstanceNorm2d), ('IN3d', nn.InstanceNorm3d)):
    NORM_LAYERS.register_module(name=_name, module=_cls)
for _cls in (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ReLU6, nn.ELU, nn.Sigmoid, nn.Tanh, nn.GELU,
             nn.SiLU, nn.Hardswish, nn.Hardsigmoid):
    ACTIVATION_LAYERS.register_module(module=_cls)


@NORM_LAYERS.register_module(name='MMSyncBN')
class MMSyncBN(nn.SyncBatchNorm):
    """mmcv.ops' ``SyncBatchNorm`` (registered as 'MMSyncBN') on torch's: same parameters and buffers;
    ``group`` is the process group. torch weights each rank's statistics by its sample count (mmcv's
    ``stats_mode='N'``); with the equal per-GPU batches of mmdet's configs that equals mmcv's default."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, group=None, stats_mode: str = 'default'):
        if stats_mode not in ('default', 'N'):
            raise ValueError(f"MMSyncBN.stats_mode must be 'default' or 'N', got {stats_mode!r}")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, process_group=group)
        self.stats_mode = stats_mode


UPSAMPLE_LAYERS.register_module(name='deconv', module=nn.ConvTranspose2d)
UPSAMPLE_LAYERS.register_module(name='nearest', module=nn.Upsample)
UPSAMPLE_LAYERS.register_module(name='bilinear', module=nn.Upsample)
LINEAR_LAYERS.register_module(name='Linear', module=nn.Linear)
# conv layers that mmlite.ops registers when imported (it sits above this layer)
_REGISTERED_BY_OPS = frozenset({'DCN', 'DCNv2'})


def lookup_layer(cfg: dict, registry: Registry, key_path: str) -> tuple[type, dict]:
    """The class registered for ``cfg['type']`` and ``cfg``'s other keys; errors name ``key_path``."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'{key_path} must be a dict with a "type", got {cfg!r}')
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    layer = registry.get(layer_type)
    if layer is None:
        hint = (f' ({layer_type} is registered by mmlite.ops: import it first, as mmcv.ops had to be)'
                if layer_type in _REGISTERED_BY_OPS else '')
        raise ReadableKeyError(registry.missing_message(layer_type, f'{key_path}.type') + hint)
    return layer, cfg


def build_conv_layer(cfg: dict | None, *args, **kwargs) -> nn.Module:
    """A conv layer from ``cfg`` (``dict(type='Conv2d')`` when None)."""
    layer, cfg = lookup_layer(dict(type='Conv2d') if cfg is None else cfg, CONV_LAYERS, 'conv_cfg')
    return layer(*args, **kwargs, **cfg)


def _norm_abbr(layer_cls: type) -> str:
    if issubclass(layer_cls, _InstanceNorm):
        return 'in'
    if issubclass(layer_cls, _BatchNorm):
        return 'bn'
    if issubclass(layer_cls, nn.GroupNorm):
        return 'gn'
    if issubclass(layer_cls, nn.LayerNorm):
        return 'ln'
    return layer_cls.__name__.lower()


def build_norm_layer(cfg: dict, num_features: int, postfix: int | str = '') -> tuple[str, nn.Module]:
    """``(name, layer)`` with mmcv's names ('bn1', 'gn'...) and ``requires_grad`` honoured."""
    norm_cls, cfg = lookup_layer(cfg, NORM_LAYERS, 'norm_cfg')
    name = _norm_abbr(norm_cls) + str(postfix)
    requires_grad = cfg.pop('requires_grad', True)
    cfg.setdefault('eps', 1e-5)
    if norm_cls is nn.GroupNorm:
        if 'num_groups' not in cfg:
            raise ReadableKeyError('norm_cfg of type GN needs num_groups')
        layer = norm_cls(num_channels=num_features, **cfg)
    else:
        layer = norm_cls(num_features, **cfg)
        if isinstance(layer, nn.SyncBatchNorm) and hasattr(layer, '_specify_ddp_gpu_num'):
            layer._specify_ddp_gpu_num(1)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return name, layer


def build_activation_layer(cfg: dict) -> nn.Module:
    cfg = dict(cfg)
    if cfg.get('type') in ('Tanh', 'Sigmoid', 'GELU', 'PReLU', 'Hardsigmoid') or (
            'inplace' in cfg and 'inplace' not in inspect.signature(ACTIVATION_LAYERS.get(cfg['type'])).parameters):
        cfg.pop('inplace', None)
    return build_from_cfg(cfg, ACTIVATION_LAYERS)


def build_upsample_layer(cfg: dict, *args, **kwargs) -> nn.Module:
    """Upsampling: 'deconv' (ConvTranspose2d), 'nearest' or 'bilinear' (nn.Upsample), 'pixel_shuffle'..."""
    layer, options = lookup_layer(cfg, UPSAMPLE_LAYERS, 'upsample_cfg')
    if layer is nn.Upsample:
        options['mode'] = cfg['type']
    return layer(*args, **kwargs, **options)


def build_linear_layer(cfg: dict | None, *args, **kwargs) -> nn.Module:
    layer, cfg = lookup_layer(dict(type='Linear') if cfg is None else cfg, LINEAR_LAYERS, 'predictor_cfg')
    return layer(*args, **kwargs, **cfg)
