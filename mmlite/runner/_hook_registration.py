"""Building hooks from the config sections of ``register_training_hooks`` (one table, one helper).

Each section (``lr_config``, ``optimizer_config``...) is a dict, a Hook instance or None. Config
dicts are copied, never modified: mmcv popped ``policy`` out of the caller's ``lr_config``.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..utils import build_from_cfg
from ..utils.errors import ReadableKeyError
from .hooks import HOOKS, Hook


class HookSection(NamedTuple):
    name: str  # config key, used in error messages
    priority: str
    default_type: str | None = None  # type used when a dict has none
    policy_suffix: str | None = None  # 'policy' names the type: policy + suffix


TRAINING_HOOK_SECTIONS = {
    'lr': HookSection('lr_config', 'VERY_HIGH', policy_suffix='LrUpdaterHook'),
    'momentum': HookSection('momentum_config', 'HIGH', policy_suffix='MomentumUpdaterHook'),
    'optimizer': HookSection('optimizer_config', 'ABOVE_NORMAL', default_type='OptimizerHook'),
    'checkpoint': HookSection('checkpoint_config', 'NORMAL', default_type='CheckpointHook'),
    'timer': HookSection('timer_config', 'LOW'),
    'logger': HookSection('log_config.hooks', 'VERY_LOW'),
    'profiler': HookSection('profiler_config', 'NORMAL', default_type='ProfilerHook'),
}


# Policy spellings users bring from other frameworks (or lower-case multi-word policies, which
# mmcv's title-casing cannot map): suggested in the error, never applied silently.
POLICY_SUGGESTIONS = {
    'cosine': 'CosineAnnealing', 'cos': 'CosineAnnealing', 'cosineannealing': 'CosineAnnealing',
    'cosine_annealing': 'CosineAnnealing', 'flatcosineannealing': 'FlatCosineAnnealing',
    'flat_cosine': 'FlatCosineAnnealing', 'cosinerestart': 'CosineRestart',
    'cosine_restart': 'CosineRestart', 'onecycle': 'OneCycle', 'one_cycle': 'OneCycle',
    'linearannealing': 'LinearAnnealing', 'linear_annealing': 'LinearAnnealing',
    'linear': 'LinearAnnealing', 'multistep': 'Step', 'multi_step': 'Step', 'steplr': 'Step',
}


def _missing_policy_message(policy: str, hook_type: str, section: HookSection, context: str) -> str:
    suggestion = POLICY_SUGGESTIONS.get(policy.lower())
    if suggestion is not None and HOOKS.get(suggestion + section.policy_suffix) is not None:
        return (f'{hook_type!r} is not in the hook registry (from {context}). Did you mean '
                f"'{suggestion}{section.policy_suffix}' (policy={suggestion!r})?")
    return HOOKS.missing_message(hook_type, context)


def policy_to_type(policy: str, suffix: str) -> str:
    """mmcv's rule: an all-lower-case policy is title-cased ('step' → 'Step'), others kept."""
    if not isinstance(policy, str):
        raise TypeError(f'policy must be a str, got {policy!r}')
    return (policy.title() if policy == policy.lower() else policy) + suffix


def build_section_hook(section: HookSection, cfg: Any, default_args: dict | None = None) -> Hook | None:
    """A hook from one config section: None stays None, a Hook is used as is, a dict is built."""
    if cfg is None:
        return None
    if isinstance(cfg, Hook):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'{section.name} must be a dict, a Hook or None, got {type(cfg).__name__}: {cfg!r}')
    cfg = dict(cfg)
    context = section.name
    if section.policy_suffix is not None:
        if 'policy' not in cfg:
            raise ReadableKeyError(f'{section.name} needs a "policy" key (e.g. policy="step"), got {cfg}')
        policy = cfg.pop('policy')
        cfg['type'] = policy_to_type(policy, section.policy_suffix)
        context = f'{section.name}.policy={policy!r}'
    elif section.default_type is not None:
        cfg.setdefault('type', section.default_type)
    if 'type' not in cfg:
        raise ReadableKeyError(f'{section.name} needs a "type" key, got {cfg}')
    hook_type = cfg['type']
    if isinstance(hook_type, str) and HOOKS.get(hook_type) is None:
        if section.policy_suffix is not None:
            raise ReadableKeyError(_missing_policy_message(policy, hook_type, section, context))
        raise ReadableKeyError(HOOKS.missing_message(hook_type, context))
    return build_from_cfg(cfg, HOOKS, default_args)


def logger_hooks(log_config: dict | None) -> list[Hook]:
    """The logger hooks of ``log_config`` (each gets ``log_config.interval`` unless it sets one)."""
    if log_config is None:
        return []
    if not isinstance(log_config, dict) or 'hooks' not in log_config:
        raise ReadableKeyError(f'log_config must be a dict with "interval" and "hooks", got {log_config!r}')
    default_args = dict(interval=log_config['interval']) if 'interval' in log_config else None
    return [build_section_hook(TRAINING_HOOK_SECTIONS['logger'], info, default_args)
            for info in log_config['hooks']]


def custom_hooks(custom_config: Any) -> list[tuple[Hook, Any]]:
    """``(hook, priority)`` pairs of ``custom_hooks`` (dicts may set ``priority``; default NORMAL)."""
    if custom_config is None:
        return []
    items = custom_config if isinstance(custom_config, list) else [custom_config]
    pairs = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            item = dict(item)
            priority = item.pop('priority', 'NORMAL')
            section = HookSection(f'custom_hooks[{i}]', priority)
            pairs.append((build_section_hook(section, item), priority))
        elif isinstance(item, Hook):
            pairs.append((item, 'NORMAL'))
        else:
            raise TypeError(f'custom_hooks[{i}] must be a dict or a Hook, got {type(item).__name__}')
    return pairs
