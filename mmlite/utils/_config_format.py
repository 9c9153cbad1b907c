"""Render a config dict as Python source (``Config.pretty_text``), formatted with yapf when possible."""
from __future__ import annotations

import keyword
import math
import warnings
from typing import Any

_YAPF_STYLE = dict(
    based_on_style='pep8',
    blank_line_before_nested_class_or_def=True,
    split_before_expression_after_opening_paren=True,
    column_limit=100)


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def render_value(value: Any) -> str:
    """Python source that evaluates to ``value`` (dicts with identifier keys as ``dict(...)``)."""
    if isinstance(value, dict):
        if all(_is_identifier(k) for k in value):
            return 'dict(' + ', '.join(f'{k}={render_value(v)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{render_value(k)}: {render_value(v)}' for k, v in value.items()) + '}'
    if isinstance(value, list):
        return '[' + ', '.join(render_value(v) for v in value) + ']'
    if isinstance(value, tuple):
        items = [render_value(v) for v in value]
        return '(' + ', '.join(items) + (',)' if len(items) == 1 else ')')
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    if hasattr(value, 'tolist'):  # numpy scalars and arrays
        return render_value(value.tolist())
    return repr(value)


def render_config(cfg: dict) -> str:
    """Unformatted Python source assigning each top-level key."""
    return ''.join(f'{key} = {render_value(value)}\n' for key, value in cfg.items())


def format_python(text: str) -> str:
    """Format ``text`` with yapf; return it unchanged when yapf is missing or fails.

    yapf's ``FormatCode`` lost its ``verify`` argument in 0.40.2 (which broke mmcv's
    ``Config.dump``); both signatures are handled.
    """
    try:
        from yapf.yapflib.yapf_api import FormatCode
    except ImportError:  # pragma: no cover - yapf is a dependency
        return text
    try:
        try:
            formatted = FormatCode(text, style_config=_YAPF_STYLE)
        except TypeError:
            formatted = FormatCode(text, style_config=_YAPF_STYLE, verify=True)
    except Exception as exc:  # noqa: BLE001 - never lose a dump to a formatter problem
        warnings.warn(f'yapf could not format the config ({exc}); writing it unformatted')
        return text
    # FormatCode returns (text, changed) in every yapf release we know of.
    return formatted[0] if isinstance(formatted, tuple) else formatted
