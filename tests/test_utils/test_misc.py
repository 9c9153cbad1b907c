import os
import warnings

import pytest

from mmlite import utils
from mmlite.utils import (check_file_exist, concat_list, deprecated_api_warning, digit_version,
                          import_modules_from_strings, is_list_of, is_method_overridden, is_seq_of, is_str, is_tuple_of,
                          mkdir_or_exist, requires_package, scandir, slice_list, symlink)


def test_type_checks():
    assert is_str('a') and not is_str(1)
    assert is_seq_of([1, 2], int) and not is_seq_of([1, 'a'], int)
    assert is_seq_of((1, 2), int, seq_type=tuple) and not is_seq_of([1], int, seq_type=tuple)
    assert is_list_of([1.0], float) and not is_list_of((1.0, ), float)
    assert is_tuple_of((1, ), int) and not is_tuple_of([1], int)
    assert not is_seq_of(3, int)


def test_slice_and_concat():
    assert slice_list([1, 2, 3, 4, 5], [2, 3]) == [[1, 2], [3, 4, 5]]
    assert slice_list([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    with pytest.raises(ValueError):
        slice_list([1, 2, 3], [1, 1])
    assert concat_list([[1], [2, 3]]) == [1, 2, 3]


def test_is_method_overridden():

    class Base:

        def foo(self):
            pass

    class Sub(Base):

        def foo(self):
            pass

    assert is_method_overridden('foo', Base, Sub) and is_method_overridden('foo', Base, Sub())
    assert not is_method_overridden('foo', Base, Base)
    with pytest.raises(TypeError):
        is_method_overridden('foo', Base(), Sub)


@pytest.mark.parametrize('text,expected', [
    ('1.7.2', (1, 7, 2, 0, 0, 0)),
    ('2.1.0+cu121', (2, 1, 0, 0, 0, 0)),
    ('1.3.0rc1', (1, 3, 0, 0, -1, 1)),
    ('1.3.0a2', (1, 3, 0, 0, -3, 2)),
    ('1.3.0b', (1, 3, 0, 0, -2, 0)),
    ('1.3.0.post2', (1, 3, 0, 0, 1, 2)),
    ('2.0', (2, 0, 0, 0, 0, 0)),
])
def test_digit_version(text, expected):
    assert digit_version(text) == expected


def test_digit_version_orders_releases():
    assert digit_version('1.3.0rc1') < digit_version('1.3.0') < digit_version('1.3.0.post1')
    assert digit_version(utils.TORCH_VERSION) >= digit_version('2.0.0')
    with pytest.raises(ValueError):
        digit_version('not-a-version')


def test_deprecated_api_warning():

    @deprecated_api_warning({'old': 'new'}, cls_name='Thing')
    def func(new=1):
        return new

    with pytest.warns(DeprecationWarning, match='"old" is deprecated in `Thing.func`'):
        assert func(old=5) == 5
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert func(new=3) == 3
    with pytest.raises(TypeError, match='both'):
        func(old=1, new=2)


def test_import_modules_from_strings():
    import json
    assert import_modules_from_strings('json') is json
    assert import_modules_from_strings(['os', 'json']) == [os, json]
    assert import_modules_from_strings(None) is None
    with pytest.warns(UserWarning):
        assert import_modules_from_strings(['nope_xyz'], allow_failed_imports=True) == [None]
    with pytest.raises(ImportError, match='nope_xyz'):
        import_modules_from_strings('nope_xyz')
    with pytest.raises(TypeError):
        import_modules_from_strings(3)


def test_requires_package():

    @requires_package('definitely_missing_pkg', extra='tb')
    def needs():
        return 1

    @requires_package('json')
    def fine():
        return 2

    with pytest.raises(ImportError, match=r'definitely_missing_pkg.*mmlite\[tb\]'):
        needs()
    assert fine() == 2


def test_paths(tmp_path):
    target = tmp_path / 'a' / 'b'
    mkdir_or_exist(str(target))
    mkdir_or_exist(str(target))
    assert target.is_dir()
    (target / 'x.py').write_text('')
    (target / 'Y.PY').write_text('')
    (tmp_path / 'a' / 'z.txt').write_text('')
    assert sorted(scandir(str(tmp_path / 'a'), '.py', recursive=True)) == [os.path.join('b', 'x.py')]
    assert sorted(scandir(tmp_path / 'a', '.py', recursive=True, case_sensitive=False)) == [
        os.path.join('b', 'Y.PY'), os.path.join('b', 'x.py')]
    assert list(scandir(str(tmp_path / 'a'))) == ['z.txt']
    with pytest.raises(TypeError):
        list(scandir(3))
    check_file_exist(str(target / 'x.py'))
    with pytest.raises(FileNotFoundError, match='missing.py'):
        check_file_exist(str(target / 'missing.py'))
    link = tmp_path / 'link'
    symlink('a/b/x.py', str(link))
    symlink('a/b/Y.PY', str(link))  # overwrite
    assert os.readlink(str(link)) == 'a/b/Y.PY'
