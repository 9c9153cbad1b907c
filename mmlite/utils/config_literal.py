"""Read the plain assignments of a Python config without executing it (e.g. the config text a checkpoint
carries in ``meta['config']``, which may come from anyone)."""
from __future__ import annotations

import ast
import operator
from typing import Any

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class _NotLiteral(Exception):
    pass


def _evaluate(node: ast.AST, names: dict) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise _NotLiteral(node.id)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_evaluate(item, names) for item in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):  # {**other}
            raise _NotLiteral('**')
        return {_evaluate(k, names): _evaluate(v, names) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict' and not node.args:
        if any(kw.arg is None for kw in node.keywords):
            raise _NotLiteral('**')
        return {kw.arg: _evaluate(kw.value, names) for kw in node.keywords}
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left, names), _evaluate(node.right, names))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand, names))
    raise _NotLiteral(type(node).__name__)


def literal_config(text: str) -> dict:
    """The top-level ``name = value`` assignments of a Python config whose values are literals, ``dict(...)``
    calls, arithmetic and earlier such names. Anything else (imports, other calls, ``_base_`` merging) is
    skipped, never run.

    Raises:
        SyntaxError: ``text`` is not Python.
    """
    names = {'True': True, 'False': False, 'None': None}
    config = {}
    for statement in ast.parse(text).body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            continue
        try:
            value = _evaluate(statement.value, names)
        except (_NotLiteral, ArithmeticError, TypeError):
            continue
        names[statement.targets[0].id] = config[statement.targets[0].id] = value
    return config


def checkpoint_config(text: str) -> dict:
    """:func:`literal_config` of the config text a checkpoint's ``meta['config']`` holds; mmdet 1.x wrote
    the config's file name as its first line, which is skipped when the text does not parse with it."""
    try:
        return literal_config(text)
    except SyntaxError:
        return literal_config('#' + text)
