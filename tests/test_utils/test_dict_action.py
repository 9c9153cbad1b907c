import argparse

import pytest

from mmlite import DictAction

# (argument, parsed value) pairs observed with mmcv 1.7.2's DictAction.
MMCV_GOLDEN = [
    ('1', 1), ('1.5', 1.5), ('1e-3', 0.001), ('-1', -1), ('true', True), ('False', False),
    ('None', None), ('none', 'none'), ('x', 'x'), ('0x10', '0x10'), ('', ''),
    ('x,y', ['x', 'y']), ('1,2,3', [1, 2, 3]), ('[1,2]', [1, 2]), ('[1, 2]', [1, 2]),
    ('(1,2)', (1, 2)), ('(1,)', (1, )), ('[a,]', ['a']), ('[]', []), ('()', ()),
    ('[1,[2,3]]', [1, [2, 3]]), ('[(a,b),(c,d)]', [('a', 'b'), ('c', 'd')]),
    ('[(1,2),[3,(4,5)]]', [(1, 2), [3, (4, 5)]]), ('"abc"', 'abc'),
]


def parse(*pairs):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


@pytest.mark.parametrize('text,expected', MMCV_GOLDEN)
def test_values_match_mmcv(text, expected):
    value = parse(f'k={text}')['k']
    assert value == expected and type(value) is type(expected)


def test_dotted_keys_and_several_pairs():
    opts = parse('data.train.pipeline.2.img_scale=(1333,800)', 'optimizer.lr=0.01')
    assert opts == {'data.train.pipeline.2.img_scale': (1333, 800), 'optimizer.lr': 0.01}


def test_value_may_contain_equals_sign():
    assert parse('k=a=b') == {'k': 'a=b'}


def test_quoted_text_is_kept_verbatim():
    # mmcv turned "'1'" into the int 1 and removed every space; we keep quoted text as written.
    assert parse("k='1'") == {'k': '1'}
    assert parse('k=my dir/x') == {'k': 'my dir/x'}
    assert parse('k=["a b", c]') == {'k': ['a b', 'c']}


def test_repeated_option_merges():
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    assert parser.parse_args(['--o', 'a=1', '--o', 'b=2']).o == {'a': 1, 'b': 2}


@pytest.mark.parametrize('bad', ['novalue', 'k=[1,2'])
def test_malformed_pairs_exit_with_message(bad, capsys):
    with pytest.raises(SystemExit):
        parse(bad)
    assert ('KEY=VALUE' in capsys.readouterr().err) == (bad == 'novalue')
