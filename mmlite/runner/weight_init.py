"""Weight initialisation (mmcv.cnn.utils.weight_init names) and the ``init_cfg`` initializers."""
from __future__ import annotations

import copy
import math
from typing import Any

import torch.nn as nn

from ..utils import Registry, build_from_cfg, get_logger, print_log
from .checkpoint import _load_checkpoint_with_prefix, load_checkpoint, load_state_dict

INITIALIZERS = Registry('initializer')


def _has(module: nn.Module, name: str) -> bool:
    return getattr(module, name, None) is not None


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.constant_(module.weight, val)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def xavier_init(module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = 'normal') -> None:
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f'distribution must be "uniform" or "normal", got {distribution!r}')
    if _has(module, 'weight'):
        (nn.init.xavier_uniform_ if distribution == 'uniform' else nn.init.xavier_normal_)(
            module.weight, gain=gain)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.normal_(module.weight, mean, std)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def trunc_normal_init(module: nn.Module, mean: float = 0, std: float = 1, a: float = -2, b: float = 2,
                      bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.trunc_normal_(module.weight, mean, std, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    if _has(module, 'weight'):
        nn.init.uniform_(module.weight, a, b)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def kaiming_init(module: nn.Module, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu',
                 bias: float = 0, distribution: str = 'normal') -> None:
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f'distribution must be "uniform" or "normal", got {distribution!r}')
    if _has(module, 'weight'):
        init = nn.init.kaiming_uniform_ if distribution == 'uniform' else nn.init.kaiming_normal_
        init(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's XavierFill, which is PyTorch's kaiming_uniform_ with a=1, fan_in, leaky_relu."""
    kaiming_init(module, a=1, mode='fan_in', nonlinearity='leaky_relu', bias=bias,
                 distribution='uniform')


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias giving a sigmoid output of ``prior_prob`` (focal-loss heads)."""
    return float(-math.log((1 - prior_prob) / prior_prob))


def _base_names(module: nn.Module) -> list[str]:
    return [b.__name__ for b in type(module).__bases__]


class BaseInit:
    """Common arguments: ``bias`` (or ``bias_prob``) and ``layer`` (class names to initialise)."""

    def __init__(self, *, bias: float = 0, bias_prob: float | None = None, layer: Any = None):
        self.wholemodule = False
        if not isinstance(bias, (int, float)):
            raise TypeError(f'bias must be a number, but got a {type(bias)}')
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise TypeError(f'bias_prob type must be float, but got {type(bias_prob)}')
        if layer is not None and not isinstance(layer, (str, list)):
            raise TypeError(f'layer must be a str or a list of str, but got a {type(layer)}')
        self.bias = bias_init_with_prob(bias_prob) if bias_prob is not None else bias
        self.layer = [layer] if isinstance(layer, str) else (layer or [])

    def _matches(self, module: nn.Module) -> bool:
        if self.wholemodule:
            return True
        return bool(set(self.layer) & {type(module).__name__, *_base_names(module)})

    def _init(self, module: nn.Module) -> None:
        raise NotImplementedError

    def __call__(self, module: nn.Module) -> None:
        module.apply(lambda m: self._init(m) if self._matches(m) else None)

    def _get_init_info(self) -> str:
        return f'{self.__class__.__name__}: bias={self.bias}'


@INITIALIZERS.register_module(name='Constant')
class ConstantInit(BaseInit):

    def __init__(self, val: float, **kwargs):
        super().__init__(**kwargs)
        self.val = val

    def _init(self, m):
        constant_init(m, self.val, self.bias)


@INITIALIZERS.register_module(name='Xavier')
class XavierInit(BaseInit):

    def __init__(self, gain: float = 1, distribution: str = 'normal', **kwargs):
        super().__init__(**kwargs)
        self.gain, self.distribution = gain, distribution

    def _init(self, m):
        xavier_init(m, self.gain, self.bias, self.distribution)


@INITIALIZERS.register_module(name='Normal')
class NormalInit(BaseInit):

    def __init__(self, mean: float = 0, std: float = 1, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std = mean, std

    def _init(self, m):
        normal_init(m, self.mean, self.std, self.bias)


@INITIALIZERS.register_module(name='TruncNormal')
class TruncNormalInit(BaseInit):

    def __init__(self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs):
        super().__init__(**kwargs)
        self.mean, self.std, self.a, self.b = mean, std, a, b

    def _init(self, m):
        trunc_normal_init(m, self.mean, self.std, self.a, self.b, self.bias)


@INITIALIZERS.register_module(name='Uniform')
class UniformInit(BaseInit):

    def __init__(self, a: float = 0, b: float = 1, **kwargs):
        super().__init__(**kwargs)
        self.a, self.b = a, b

    def _init(self, m):
        uniform_init(m, self.a, self.b, self.bias)


@INITIALIZERS.register_module(name='Kaiming')
class KaimingInit(BaseInit):

    def __init__(self, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu',
                 distribution: str = 'normal', **kwargs):
        super().__init__(**kwargs)
        self.a, self.mode, self.nonlinearity, self.distribution = a, mode, nonlinearity, distribution

    def _init(self, m):
        kaiming_init(m, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)


@INITIALIZERS.register_module(name='Caffe2Xavier')
class Caffe2XavierInit(KaimingInit):

    def __init__(self, **kwargs):
        super().__init__(a=1, mode='fan_in', nonlinearity='leaky_relu', distribution='uniform', **kwargs)


@INITIALIZERS.register_module(name='Pretrained')
class PretrainedInit:
    """Load weights from ``checkpoint`` (optionally only the entries under ``prefix``)."""

    def __init__(self, checkpoint: str, prefix: str | None = None, map_location: Any = None):
        self.checkpoint, self.prefix, self.map_location = checkpoint, prefix, map_location

    def __call__(self, module: nn.Module) -> None:
        logger = get_logger('mmlite')
        if self.prefix is None:
            print_log(f'load model from: {self.checkpoint}', logger=logger)
            load_checkpoint(module, self.checkpoint, map_location=self.map_location, strict=False,
                            logger=logger)
        else:
            print_log(f'load {self.prefix} in model from: {self.checkpoint}', logger=logger)
            state_dict = _load_checkpoint_with_prefix(self.prefix, self.checkpoint,
                                                      map_location=self.map_location)
            load_state_dict(module, state_dict, strict=False, logger=logger)

    def _get_init_info(self) -> str:
        return f'{self.__class__.__name__}: load from {self.checkpoint}'


def _initialize(module: nn.Module, cfg: dict, wholemodule: bool = False) -> None:
    func = build_from_cfg(cfg, INITIALIZERS)
    func.wholemodule = wholemodule
    func(module)


def _initialize_override(module: nn.Module, override: dict | list, cfg: dict) -> None:
    if not isinstance(override, (dict, list)):
        raise TypeError(f'override must be a dict or a list of dict, but got {type(override)}')
    for item in [override] if isinstance(override, dict) else override:
        item = copy.deepcopy(item)
        name = item.pop('name', None)
        if name is None:
            raise ValueError(f'`override` must contain the key "name", but got {item}')
        if not item:
            item.update(cfg)
        elif 'type' not in item:
            raise ValueError(f'`override` need "type" key, but got {item}')
        if not hasattr(module, name):
            raise RuntimeError(f'module did not have attribute {name}, but init_cfg is {item}.')
        _initialize(getattr(module, name), item, wholemodule=True)


def initialize(module: nn.Module, init_cfg: dict | list) -> None:
    """Initialise ``module`` from ``init_cfg`` (a dict or a list of dicts of initializers, each with
    optional ``layer`` and ``override``)."""
    if not isinstance(init_cfg, (dict, list)):
        raise TypeError(f'init_cfg must be a dict or a list of dict, but got {type(init_cfg)}')
    for cfg in [init_cfg] if isinstance(init_cfg, dict) else init_cfg:
        cfg = copy.deepcopy(dict(cfg))  # a shared init_cfg must not be changed by popping
        override = cfg.pop('override', None)
        _initialize(module, cfg)
        if override is not None:
            cfg.pop('layer', None)
            _initialize_override(module, override, cfg)
