"""Property-based tests: DictAction parses what users type on the command line, and Config
survives dump/load round trips and merges in every format."""
import argparse
import keyword
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mmlite.utils import Config, DictAction

KEYS = st.from_regex(r'[a-z][a-z0-9_]{0,8}', fullmatch=True).filter(
    lambda k: k not in {'filename', 'text', 'pretty_text', 'get', 'items', 'keys', 'values', 'pop',
                        'update', 'copy', 'setdefault', 'merge_from_dict', 'dump', 'fromfile', 'none',
                        'true', 'false', 'dict', 'list', 'tuple', 'inf', 'nan', 'import', 'lambda'} and
    not k.startswith('_'))
SCALARS = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.none(),
                    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: abs(f) < 1e6),
                    st.text(st.characters(whitelist_categories=('Ll', 'Lu', 'Nd')), min_size=1, max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)
# a top-level key is a variable of the .py config, so no Python keyword (nested ones may be)
TOP_KEYS = KEYS.filter(lambda k: not keyword.iskeyword(k))
CONFIGS = st.dictionaries(TOP_KEYS, VALUES, min_size=1, max_size=5)
# derandomized: the same examples on every CI run
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _same(a, b) -> bool:
    """Equal, with tuples and lists alike (YAML/JSON have no tuples) and floats compared closely."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b and type(a) is type(b)


@SETTINGS
@given(cfg=CONFIGS, ext=st.sampled_from(['.py', '.json', '.yaml']))
def test_dump_then_load_gives_the_same_config(tmp_path_factory, cfg, ext):
    path = tmp_path_factory.mktemp('rt') / f'cfg{ext}'
    Config(cfg).dump(str(path))
    loaded = Config.fromfile(str(path))
    assert _same(cfg, loaded.to_dict() if hasattr(loaded, 'to_dict') else loaded._cfg_dict.to_dict())


@SETTINGS
@given(cfg=CONFIGS)
def test_pretty_text_parses_back_to_an_equal_config(cfg):
    text = Config(cfg).pretty_text
    assert _same(cfg, Config.fromstring(text, '.py')._cfg_dict.to_dict())


@SETTINGS
@given(base=CONFIGS, key=KEYS, value=SCALARS)
def test_merge_from_dict_sets_dotted_keys_and_keeps_the_rest(base, key, value):
    assume(key not in base or isinstance(base[key], dict))  # a scalar cannot take sub-keys (as mmcv)
    cfg = Config(base)
    cfg.merge_from_dict({f'{key}.inner': value})
    assert _same(cfg[key]['inner'], value)
    for other in base:
        if other != key:
            assert _same(cfg._cfg_dict.to_dict()[other], base[other])


def _parse(*options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


INTS = st.lists(st.integers(-1000, 1000), min_size=1, max_size=5)


@SETTINGS
@given(key=KEYS, ints=INTS, brackets=st.sampled_from(['[]', '()', '']))
def test_dict_action_parses_lists_and_tuples_of_numbers(key, ints, brackets):
    body = ','.join(str(i) for i in ints)
    text = f'{brackets[:1]}{body}{brackets[1:]}'
    value = _parse(f'{key}={text}')[key]
    if brackets == '()':
        assert value == tuple(ints)
    elif brackets == '' and len(ints) == 1:
        assert value == ints[0]
    else:
        assert value == ints


@SETTINGS
@given(key=KEYS, outer=st.lists(INTS, min_size=1, max_size=3))
def test_dict_action_parses_nested_lists(key, outer):
    text = '[' + ','.join('(' + ','.join(map(str, inner)) + ')' for inner in outer) + ']'
    assert _parse(f'{key}={text}')[key] == [tuple(inner) for inner in outer]


@SETTINGS
@given(key=KEYS, value=st.one_of(st.integers(-10**6, 10**6), st.booleans(),
                                 st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: abs(f) > 1e-3)))
def test_dict_action_scalars(key, value):
    parsed = _parse(f'{key}={value}')[key]
    assert parsed == value and type(parsed) is type(value)


def test_dict_action_rejects_unbalanced_brackets():
    with pytest.raises((ValueError, SystemExit)):
        _parse('a=[1,2')
