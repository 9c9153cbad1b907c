"""``replace_cfg_vals``: resolve ``${dotted.key}`` references inside a config (mmdet 2.25+)."""
from __future__ import annotations

import re

from .config import Config
from .errors import ReadableKeyError

_REF = re.compile(r'\$\{([a-zA-Z0-9_.]+)\}')


def _lookup(cfg: Config, dotted: str):
    value = cfg
    for part in dotted.split('.'):
        try:
            value = value[int(part)] if isinstance(value, (list, tuple)) else value[part]
        except (KeyError, IndexError, ValueError) as exc:
            raise ReadableKeyError(f'${{{dotted}}}: the config has no key {dotted!r}') from exc
    return value


def _resolve(cfg: Config, value):
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:  # a lone reference keeps the referenced value's type
            return _lookup(cfg, whole.group(1))
        return _REF.sub(lambda m: str(_lookup(cfg, m.group(1))), value)
    if isinstance(value, dict):
        return type(value)((k, _resolve(cfg, v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve(cfg, v) for v in value)
    return value


def replace_cfg_vals(ori_cfg: Config) -> Config:
    """A new Config in which each ``"${a.b}"`` string is replaced by the value at ``a.b``."""
    resolved = _resolve(ori_cfg, ori_cfg._cfg_dict.to_dict())
    return Config(resolved, filename=ori_cfg.filename)
