"""``DefaultOptimizerConstructor``: per-parameter lr / weight decay rules (``paramwise_cfg``)."""
from __future__ import annotations

import warnings

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from ...utils import build_from_cfg, is_list_of
from ...utils.errors import ReadableKeyError
from .builder import OPTIMIZER_BUILDERS, OPTIMIZERS

_NORM_TYPES = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)
_DECAY_MULTS = ('bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult')
_KNOWN_KEYS = {'bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult',
               'dcn_offset_lr_mult', 'custom_keys', 'bypass_duplicate'}


@OPTIMIZER_BUILDERS.register_module()
class DefaultOptimizerConstructor:
    """Build an optimizer with mmcv's ``paramwise_cfg`` rules.

    ``paramwise_cfg`` keys: ``custom_keys`` (substring of a parameter name → ``lr_mult`` /
    ``decay_mult``; the longest matching key wins and other rules are then skipped),
    ``bias_lr_mult``, ``bias_decay_mult``, ``norm_decay_mult``, ``dwconv_decay_mult``,
    ``dcn_offset_lr_mult`` and ``bypass_duplicate``. Without ``paramwise_cfg`` all parameters form
    one group.

    Args:
        optimizer_cfg: ``type`` plus the optimizer's arguments (``lr``, ``weight_decay``...).
        paramwise_cfg: The rules above. Defaults to None.
    """

    def __init__(self, optimizer_cfg: dict, paramwise_cfg: dict | None = None):
        if not isinstance(optimizer_cfg, dict):
            raise TypeError(f'optimizer_cfg should be a dict, but got {type(optimizer_cfg)}')
        self.optimizer_cfg = optimizer_cfg
        self.paramwise_cfg = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr = optimizer_cfg.get('lr', None)
        self.base_wd = optimizer_cfg.get('weight_decay', None)
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        if not isinstance(self.paramwise_cfg, dict):
            raise TypeError(f'optimizer.paramwise_cfg should be None or a dict, but got '
                            f'{type(self.paramwise_cfg)}')
        unknown = set(self.paramwise_cfg) - _KNOWN_KEYS
        if unknown:
            raise ReadableKeyError(f'optimizer.paramwise_cfg: unknown key(s) {sorted(unknown)}; valid keys '
                                   f'are {sorted(_KNOWN_KEYS)}')
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        if not isinstance(custom_keys, dict):
            raise TypeError('optimizer.paramwise_cfg.custom_keys must be a dict, but got '
                            f'{type(custom_keys)}')
        if self.base_wd is None:
            for key, rule in custom_keys.items():
                if 'decay_mult' in rule:
                    raise ValueError(f'optimizer.paramwise_cfg.custom_keys[{key!r}] sets decay_mult '
                                     'but optimizer.weight_decay is not set (base_wd should not be None)')
            for key in _DECAY_MULTS:
                if key in self.paramwise_cfg:
                    raise ValueError(f'optimizer.paramwise_cfg.{key} needs optimizer.weight_decay '
                                     '(base_wd should not be None)')

    def _is_in(self, param_group: dict, param_group_list: list) -> bool:
        assert is_list_of(param_group_list, dict)
        param = set(param_group['params'])
        seen: set = set()
        for group in param_group_list:
            seen.update(group['params'])
        return not param.isdisjoint(seen)

    def _custom_rule(self, full_name: str) -> dict | None:
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        for key in sorted(sorted(custom_keys), key=len, reverse=True):
            if key in full_name:
                return custom_keys[key]
        return None

    def _apply_default_rules(self, group: dict, name: str, module: nn.Module, prefix: str,
                             is_dcn_module: bool) -> None:
        cfg = self.paramwise_cfg
        is_norm = isinstance(module, _NORM_TYPES)
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        if name == 'bias' and not (is_norm or is_dcn_module):
            group['lr'] = self.base_lr * cfg.get('bias_lr_mult', 1.)
        if 'conv_offset' in prefix and is_dcn_module and isinstance(module, nn.Conv2d):
            group['lr'] = self.base_lr * cfg.get('dcn_offset_lr_mult', 1.)
        if self.base_wd is None:
            return
        if is_norm:
            group['weight_decay'] = self.base_wd * cfg.get('norm_decay_mult', 1.)
        elif is_dwconv:
            group['weight_decay'] = self.base_wd * cfg.get('dwconv_decay_mult', 1.)
        elif name == 'bias' and not is_dcn_module:
            group['weight_decay'] = self.base_wd * cfg.get('bias_decay_mult', 1.)

    def add_params(self, params: list, module: nn.Module, prefix: str = '',
                   is_dcn_module: bool | None = None) -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``."""
        bypass_duplicate = self.paramwise_cfg.get('bypass_duplicate', False)
        for name, param in module.named_parameters(recurse=False):
            group = {'params': [param]}
            if not param.requires_grad:
                params.append(group)
                continue
            if bypass_duplicate and self._is_in(group, params):
                warnings.warn(f'{prefix} is duplicate. It is skipped since '
                              f'bypass_duplicate={bypass_duplicate}')
                continue
            rule = self._custom_rule(f'{prefix}.{name}')
            if rule is not None:
                group['lr'] = self.base_lr * rule.get('lr_mult', 1.)
                if self.base_wd is not None:
                    group['weight_decay'] = self.base_wd * rule.get('decay_mult', 1.)
            else:
                self._apply_default_rules(group, name, module, prefix, bool(is_dcn_module))
            params.append(group)
        for child_name, child in module.named_children():
            child_prefix = f'{prefix}.{child_name}' if prefix else child_name
            # mmlite has no deformable convolutions, so no module is a DCN module
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=False)

    def __call__(self, model: nn.Module) -> torch.optim.Optimizer:
        if hasattr(model, 'module'):
            model = model.module
        optimizer_cfg = dict(self.optimizer_cfg)
        if not self.paramwise_cfg:
            optimizer_cfg['params'] = model.parameters()
            return build_from_cfg(optimizer_cfg, OPTIMIZERS)
        params: list = []
        self.add_params(params, model)
        optimizer_cfg['params'] = params
        return build_from_cfg(optimizer_cfg, OPTIMIZERS)
