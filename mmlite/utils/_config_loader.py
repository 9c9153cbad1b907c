"""Reading config files: ``_base_`` chains, predefined and base variables, ``_delete_`` merging.

Everything here returns plain dicts; :mod:`mmlite.utils.config` wraps them in ``ConfigDict``.
"""
from __future__ import annotations

import ast
import copy
import io
import os.path as osp
import re
import types
import uuid
import warnings
from typing import Any

from .errors import ReadableKeyError
from .fileio import load
from .path import check_file_exist

BASE_KEY = '_base_'
DELETE_KEY = '_delete_'
DEPRECATION_KEY = '_deprecation_'
RESERVED_KEYS = ('filename', 'text', 'pretty_text')
SUPPORTED_EXTS = ('.py', '.json', '.yaml', '.yml')
_BASE_VAR_RE = re.compile(r'\{\{\s*' + BASE_KEY + r'\.([\w\.]+)\s*\}\}')


def substitute_predefined_vars(text: str, filename: str) -> str:
    """Replace ``{{ fileDirname }}``, ``{{ fileBasename }}``, ``{{ fileBasenameNoExtension }}`` and
    ``{{ fileExtname }}`` with facts about ``filename``."""
    dirname = osp.dirname(filename)
    basename = osp.basename(filename)
    values = dict(
        fileDirname=dirname,
        fileBasename=basename,
        fileBasenameNoExtension=osp.splitext(basename)[0],
        fileExtname=osp.splitext(filename)[1])
    for key, value in values.items():
        value = value.replace('\\', '/')
        text = re.sub(r'\{\{\s*' + key + r'\s*\}\}', lambda _m, v=value: v, text)
    return text


def pre_substitute_base_vars(text: str) -> tuple[str, dict[str, str]]:
    """Swap each ``{{ _base_.a.b }}`` for a quoted unique placeholder; return the placeholder map."""
    placeholders: dict[str, str] = {}
    for base_var in set(_BASE_VAR_RE.findall(text)):
        placeholder = f'_{uuid.uuid4().hex[:8]}_{base_var}'
        placeholders[placeholder] = base_var
        pattern = r'\{\{\s*' + BASE_KEY + r'\.' + re.escape(base_var) + r'\s*\}\}'
        text = re.sub(pattern, f'"{placeholder}"', text)
    return text, placeholders


def _lookup_base_var(base_cfg: dict, dotted: str, filename: str) -> Any:
    value: Any = base_cfg
    for part in dotted.split('.'):
        try:
            value = value[int(part)] if isinstance(value, (list, tuple)) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ReadableKeyError(f'{filename}: {{{{ _base_.{dotted} }}}} refers to a key that the base '
                                   f'configs do not define (failed at {part!r})') from None
    return copy.deepcopy(value)


def substitute_base_vars(cfg: Any, placeholders: dict, base_cfg: dict, filename: str) -> Any:
    """Replace placeholder strings anywhere in ``cfg`` by the base values they stand for."""
    if isinstance(cfg, str):
        if cfg in placeholders:
            return _lookup_base_var(base_cfg, placeholders[cfg], filename)
        return cfg
    if isinstance(cfg, dict):
        return {k: substitute_base_vars(v, placeholders, base_cfg, filename) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(substitute_base_vars(v, placeholders, base_cfg, filename) for v in cfg)
    return cfg


def _exec_python(text: str, filename: str) -> dict:
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        err = SyntaxError(f'There are syntax errors in config file {filename}, line {exc.lineno}: '
                          f'{exc.msg}')
        err.filename, err.lineno, err.offset, err.text = filename, exc.lineno, exc.offset, exc.text
        raise err from exc
    namespace: dict[str, Any] = {'__file__': filename, '__name__': '__mmlite_config__'}
    exec(compile(tree, filename, 'exec'), namespace)
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith('__') and not isinstance(value, (types.ModuleType, types.FunctionType))
    }


def parse_text(text: str, filename: str) -> dict:
    """Turn the (already substituted) text of a config file into a dict by its extension."""
    ext = osp.splitext(filename)[1].lower()
    if ext == '.py':
        return _exec_python(text, filename)
    cfg = load(io.StringIO(text), file_format=ext[1:])
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise TypeError(f'{filename}: a config file must hold a mapping at the top level, '
                        f'got {type(cfg).__name__}')
    return cfg


def strip_delete_keys(value: Any) -> Any:
    """A copy of ``value`` without ``_delete_`` markers (they only matter when merging)."""
    if isinstance(value, dict):
        return {k: strip_delete_keys(v) for k, v in value.items() if k != DELETE_KEY}
    if isinstance(value, (list, tuple)):
        return type(value)(strip_delete_keys(v) for v in value)
    return value


def merge_a_into_b(a: dict, b: Any, allow_list_keys: bool = False, prefix: str = '') -> Any:
    """Merge dict ``a`` into ``b`` (a dict, or a list when ``allow_list_keys``) without mutating
    either; a sub-dict of ``a`` with ``_delete_=True`` replaces ``b``'s instead of merging."""
    b = list(b) if isinstance(b, list) else dict(b)
    for key, value in a.items():
        path = f'{prefix}{key}'
        if allow_list_keys and isinstance(b, list) and str(key).isdigit():
            index = int(key)
            if index >= len(b):
                raise ReadableKeyError(f'{path}: index {index} exceeds the length of list {b}')
            b[index] = merge_a_into_b(value, b[index], allow_list_keys, path + '.') if isinstance(
                value, dict) else value
        elif isinstance(b, list):
            raise TypeError(f'{path}: cannot set key {key!r} inside a list (use an index)')
        elif isinstance(value, dict) and key in b and not value.get(DELETE_KEY, False):
            allowed = (dict, list) if allow_list_keys else dict
            if not isinstance(b[key], allowed):
                raise TypeError(
                    f'{path}={value} in child config cannot inherit from base because {path} is a '
                    f'dict in the child config but is of type {type(b[key])} in base config. You may '
                    f'set `{DELETE_KEY}=True` to ignore the base config.')
            b[key] = merge_a_into_b(value, b[key], allow_list_keys, path + '.')
        else:
            b[key] = strip_delete_keys(value)
    return b


def _warn_deprecation(cfg: dict, filename: str) -> None:
    info = cfg.pop(DEPRECATION_KEY)
    msg = f'The config file {filename} will be deprecated in the future.'
    if isinstance(info, dict):
        if 'expected' in info:
            msg += f' Please use {info["expected"]} instead.'
        if 'reference' in info:
            msg += f' More information can be found at {info["reference"]}'
    warnings.warn(msg, DeprecationWarning)


def _merge_bases(base_files: list, cfg_dir: str, filename: str,
                 use_predefined_variables: bool) -> tuple[dict, list[str]]:
    merged: dict = {}
    key_origin: dict[str, str] = {}
    texts: list[str] = []
    for base in base_files:
        if not isinstance(base, str):
            raise TypeError(f'{filename}: {BASE_KEY} entries must be file paths, got {base!r}')
        base_path = osp.join(cfg_dir, base)
        base_cfg, base_text = file2dict(base_path, use_predefined_variables)
        texts.append(base_text)
        for key in base_cfg:
            if key in merged:
                raise ReadableKeyError(f'Duplicate key is not allowed among bases: {key!r} is defined in both '
                                       f'{key_origin[key]} and {osp.abspath(base_path)}')
            key_origin[key] = osp.abspath(base_path)
        merged.update(base_cfg)
    return merged, texts


def file2dict(filename: str, use_predefined_variables: bool = True) -> tuple[dict, str]:
    """Read a config file and its ``_base_`` chain into a plain dict and the concatenated text.

    Args:
        filename: A ``.py``, ``.json``, ``.yaml`` or ``.yml`` file.
        use_predefined_variables: Substitute ``{{ fileDirname }}`` and friends. Defaults to True.

    Returns:
        ``(cfg_dict, cfg_text)``.
    """
    filename = osp.abspath(osp.expanduser(str(filename)))
    check_file_exist(filename, 'config file "{}" does not exist')
    if osp.splitext(filename)[1].lower() not in SUPPORTED_EXTS:
        raise OSError(f'{filename}: only py/yml/yaml/json type are supported now!')
    with open(filename, encoding='utf-8') as f:
        raw_text = f.read()
    text = substitute_predefined_vars(raw_text, filename) if use_predefined_variables else raw_text
    text, placeholders = pre_substitute_base_vars(text)
    cfg = parse_text(text, filename)
    if DEPRECATION_KEY in cfg:
        _warn_deprecation(cfg, filename)
    cfg_text = filename + '\n' + raw_text
    if BASE_KEY not in cfg:
        if placeholders:
            raise ReadableKeyError(f'{filename} uses {{{{ _base_.xxx }}}} but has no {BASE_KEY}')
        return cfg, cfg_text
    base_files = cfg.pop(BASE_KEY)
    base_files = [base_files] if isinstance(base_files, str) else list(base_files)
    base_cfg, base_texts = _merge_bases(base_files, osp.dirname(filename), filename,
                                        use_predefined_variables)
    cfg = substitute_base_vars(cfg, placeholders, base_cfg, filename)
    merged = merge_a_into_b(cfg, base_cfg)
    return merged, '\n'.join(base_texts + [cfg_text])


def check_reserved_keys(cfg: dict) -> None:
    """Refuse top-level keys that clash with Config's own attributes."""
    for key in cfg:
        if key in RESERVED_KEYS:
            raise ReadableKeyError(f'{key} is reserved for config file')
