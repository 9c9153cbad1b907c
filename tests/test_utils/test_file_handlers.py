"""Format handlers behind load/dump: the stock ones, and a format of one's own via register_handler."""
import io

import numpy as np
import pytest

from mmlite.fileio import BaseFileHandler, JsonHandler, PickleHandler, YamlHandler, dump, load, register_handler
from mmlite.fileio.handlers import BaseFileHandler as LegacyPathBase
from mmlite.utils.file_handlers import file_handlers


@pytest.fixture
def restore_handlers():
    saved = dict(file_handlers)
    yield
    file_handlers.clear()
    file_handlers.update(saved)


def test_stock_handlers_serve_their_extensions():
    assert isinstance(file_handlers['json'], JsonHandler)
    assert isinstance(file_handlers['yml'], YamlHandler) and isinstance(file_handlers['yaml'], YamlHandler)
    assert isinstance(file_handlers['pkl'], PickleHandler) and not PickleHandler.str_like
    assert LegacyPathBase is BaseFileHandler


def test_handlers_round_trip_through_paths_files_and_strings(tmp_path):
    obj = {'a': [1, 2], 'b': 'x'}
    for fmt in ('json', 'yaml', 'pkl'):
        path = tmp_path / f'o.{fmt}'
        dump(obj, str(path))
        assert load(str(path)) == obj
        text = dump(obj, file_format=fmt)
        assert isinstance(text, bytes if fmt == 'pkl' else str)
        buf = io.BytesIO(text) if fmt == 'pkl' else io.StringIO(text)
        assert load(buf, file_format=fmt) == obj
    assert load(io.StringIO(dump({'n': np.float32(1.5), 's': {3}}, file_format='json')), file_format='json') == \
        {'n': 1.5, 's': [3]}


def test_register_handler_adds_a_format(tmp_path, restore_handlers):
    @register_handler(['txt', 'text'], sep='|')
    class TxtHandler(BaseFileHandler):
        def __init__(self, sep):
            self.sep = sep

        def load_from_fileobj(self, file, **kwargs):
            return file.read().split(self.sep)

        def dump_to_fileobj(self, obj, file, **kwargs):
            file.write(self.dump_to_str(obj))

        def dump_to_str(self, obj, **kwargs):
            return self.sep.join(obj)

    assert TxtHandler.__name__ == 'TxtHandler'  # the decorator returns the class
    dump(['a', 'b'], str(tmp_path / 'x.txt'))
    assert (tmp_path / 'x.txt').read_text() == 'a|b'
    assert load(str(tmp_path / 'x.txt')) == ['a', 'b']
    assert dump(['c'], file_format='text') == 'c'


def test_register_handler_rejects_what_is_not_a_handler(restore_handlers):
    with pytest.raises(TypeError, match='BaseFileHandler'):
        register_handler('abc')(dict)
    with pytest.raises(TypeError, match='file_formats'):
        register_handler(3)(JsonHandler)


def test_unknown_format_names_register_handler(tmp_path):
    with pytest.raises(TypeError, match='register_handler'):
        load(str(tmp_path / 'x.unknownfmt'))
