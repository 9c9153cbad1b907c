"""``DictAction``: argparse action turning ``KEY=VALUE`` pairs into a dict (``--cfg-options``)."""
from __future__ import annotations

from argparse import Action, ArgumentParser, Namespace
from typing import Any, Sequence

_OPEN = {'(': ')', '[': ']'}
_QUOTES = '\'"'


def _parse_scalar(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.lower() in ('true', 'false'):
        return text.lower() == 'true'
    if text == 'None':
        return None
    return text


def _matching_close(text: str, start: int) -> int:
    """Index of the bracket closing ``text[start]``, skipping quoted parts; -1 when unbalanced."""
    stack: list[str] = []
    quote = None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in ')]':
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i
    return -1


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are outside brackets and quotes."""
    parts, depth, quote, current = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in ')]':
            depth -= 1
        elif ch == ',' and depth == 0:
            parts.append(''.join(current))
            current = []
            continue
        current.append(ch)
    parts.append(''.join(current))
    if parts and not parts[-1].strip():  # a trailing comma: "[a,]" or "(a,)"
        parts.pop()
    return parts


def parse_value(text: str) -> Any:
    """Parse one ``--cfg-options`` value: scalars, ``a,b``, ``[a,b]``, ``(a,b)``, nested, quoted."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES:
        return text[1:-1]
    if text and text[0] in _OPEN:
        close = _matching_close(text, 0)
        if close == -1:
            raise ValueError(f'unbalanced brackets in {text!r}')
        if close == len(text) - 1:
            items = [parse_value(p) for p in _split_top_level(text[1:-1])]
            return tuple(items) if text[0] == '(' else items
    parts = _split_top_level(text)
    if len(parts) > 1:
        return [parse_value(p) for p in parts]
    return _parse_scalar(text)


class DictAction(Action):
    """Collect ``KEY=VALUE`` arguments into a dict, parsing each value.

    Values: ints, floats, ``true``/``false`` (any case), ``None``, ``a,b`` and ``[a,b]`` (lists),
    ``(a,b)`` (tuples), nesting such as ``"[(a,b),(c,d)]"``, and quoted text kept verbatim. Repeated
    options are merged.
    """

    @staticmethod
    def _parse_int_float_bool(val: str) -> Any:
        return _parse_scalar(val)

    @staticmethod
    def _parse_iterable(val: str) -> Any:
        return parse_value(val)

    def __call__(self, parser: ArgumentParser, namespace: Namespace, values: Sequence[str] | str,
                 option_string: str | None = None) -> None:
        options = dict(getattr(namespace, self.dest, None) or {})
        for kv in [values] if isinstance(values, str) else values:
            if '=' not in kv:
                parser.error(f'{option_string or self.dest}: expected KEY=VALUE, got {kv!r}')
            key, val = kv.split('=', maxsplit=1)
            try:
                options[key.strip()] = parse_value(val)
            except ValueError as exc:
                parser.error(f'{option_string or self.dest} {key}: {exc}')
        setattr(namespace, self.dest, options)
