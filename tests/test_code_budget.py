"""The shape budgets and layering rules of shared/STYLE.md, checked on the source tree."""
import ast
import glob
import os.path as osp

import pytest

PACKAGE = osp.join(osp.dirname(__file__), '..', 'mmlite')
MODULES = sorted(glob.glob(osp.join(PACKAGE, '**', '*.py'), recursive=True))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
MAX_NESTING = 4
# lower layers never import higher ones (runner and engine form one layer: engine's loops use the
# runner's dist helpers and the eval hooks use engine's loops)
LAYERS = {'utils': 0, 'version': 0, 'fileio': 0, 'image': 1, 'visualization': 1, 'parallel': 2, 'runner': 3,
          'engine': 3, 'cnn': 4, 'ops': 4, 'core': 5, 'datasets': 5, 'models': 5, 'apis': 6}
_BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith)


def _rel(path):
    return osp.relpath(path, PACKAGE)


def _tree(path):
    with open(path) as f:
        return ast.parse(f.read(), path)


def _body_lines(func) -> int:
    body = func.body
    first = body[1] if (len(body) > 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)) else body[0]  # skip the docstring
    return func.end_lineno - first.lineno + 1


def _is_elif(parent, child) -> bool:
    return isinstance(parent, ast.If) and isinstance(child, ast.If) and parent.orelse == [child]


def _nesting(node, depth=0) -> int:
    """Deepest block nesting inside ``node`` (an ``elif`` counts as its ``if``)."""
    deepest = depth
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        step = isinstance(child, _BLOCKS) and not _is_elif(node, child)
        deepest = max(deepest, _nesting(child, depth + step))
    return deepest


def _layer(path) -> int:
    return LAYERS[_rel(path).split(osp.sep)[0].replace('.py', '')]


def _imported_top_packages(path, tree):
    """Top-level mmlite sub-packages imported by ``path`` (relative or absolute imports)."""
    parts = _rel(path).split(osp.sep)[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.split('.')[0] == 'mmlite':
                    yield 'ABSOLUTE', node.lineno
                continue
            base = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
            target = base + (node.module.split('.') if node.module else [])
            if target:
                yield target[0], node.lineno
            else:  # ``from .. import engine``
                for alias in node.names:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.Import) and any(a.name.split('.')[0] == 'mmlite' for a in node.names):
            yield 'ABSOLUTE', node.lineno


def test_modules_are_found():
    assert len(MODULES) > 100


@pytest.mark.parametrize('path', MODULES, ids=_rel)
def test_module_budget(path):
    with open(path) as f:
        assert sum(1 for _ in f) <= MAX_MODULE_LINES


@pytest.mark.parametrize('path', MODULES, ids=_rel)
def test_function_budgets(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert _body_lines(node) <= MAX_FUNCTION_LINES, f'{node.name} at line {node.lineno}'
            assert _nesting(node) <= MAX_NESTING, f'{node.name} at line {node.lineno}'


@pytest.mark.parametrize('path', [p for p in MODULES if osp.dirname(p) != osp.abspath(PACKAGE)
                                  and osp.dirname(p) != PACKAGE], ids=_rel)
def test_layering(path):
    tree = _tree(path)
    own = _layer(path)
    for package, lineno in _imported_top_packages(path, tree):
        assert package != 'ABSOLUTE', f'line {lineno}: import mmlite inside the package'
        assert LAYERS.get(package, 0) <= own, f'line {lineno}: {_rel(path)} imports the higher layer {package}'
