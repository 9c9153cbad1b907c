import io

import numpy as np
import pytest

from mmlite import dump, load
from mmlite.utils import dict_from_file, list_from_file

OBJ = {'a': 1, 'b': [1, 2.5, 'x'], 'c': {'d': None, 'e': True}}


@pytest.mark.parametrize('ext', ['json', 'yaml', 'yml', 'pkl', 'pickle'])
def test_round_trip_by_extension(ext, tmp_path):
    path = tmp_path / f'obj.{ext}'
    dump(OBJ, str(path))
    assert load(str(path)) == OBJ
    assert load(path) == OBJ  # pathlib too


@pytest.mark.parametrize('fmt', ['json', 'yaml', 'pickle'])
def test_string_and_file_objects(fmt):
    text = dump(OBJ, file_format=fmt)
    buf = io.BytesIO(text) if fmt == 'pickle' else io.StringIO(text)
    assert load(buf, file_format=fmt) == OBJ
    out = io.BytesIO() if fmt == 'pickle' else io.StringIO()
    dump(OBJ, out, file_format=fmt)
    out.seek(0)
    assert load(out, file_format=fmt) == OBJ


def test_numpy_values_and_tuples_serialise():
    data = {'arr': np.arange(3), 'scalar': np.float32(1.5), 'set': {1}, 'tup': (1, 2)}
    assert load(io.StringIO(dump(data, file_format='json')), file_format='json') == {
        'arr': [0, 1, 2], 'scalar': 1.5, 'set': [1], 'tup': [1, 2]}
    assert load(io.StringIO(dump(data, file_format='yaml')), file_format='yaml')['tup'] == [1, 2]


def test_errors(tmp_path):
    with pytest.raises(TypeError, match='unsupported format "txt"'):
        dump(OBJ, str(tmp_path / 'a.txt'))
    with pytest.raises(ValueError, match='file_format'):
        dump(OBJ)
    with pytest.raises(TypeError, match='filepath str or a file-object'):
        load(3, file_format='json')


def test_list_and_dict_from_file(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('a\nb\nc\nd\n')
    assert list_from_file(str(path)) == ['a', 'b', 'c', 'd']
    assert list_from_file(str(path), prefix='p/', offset=1, max_num=2) == ['p/b', 'p/c']
    mapping = tmp_path / 'map.txt'
    mapping.write_text('1 cat\n2 dog cow\n')
    assert dict_from_file(str(mapping), key_type=int) == {1: 'cat', 2: ['dog', 'cow']}
    mapping.write_text('lonely\n')
    with pytest.raises(ValueError, match='lonely'):
        dict_from_file(str(mapping))
