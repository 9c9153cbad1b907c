"""FileClient (disk and http backends, registration, errors), the casts, track_parallel_progress and
mmcv's top-level names on ``import mmlite``."""
import io
import os
import threading
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import numpy as np
import pytest

import mmlite
from mmlite.fileio import BaseStorageBackend, FileClient
from mmlite.utils import iter_cast, list_cast, track_parallel_progress, tuple_cast


def test_disk_backend_round_trip_and_listing(tmp_path):
    client = FileClient.infer_client(dict(backend='disk'))
    assert client.name == 'HardDiskBackend' and client.allow_symlink
    path = client.join_path(str(tmp_path), 'sub', 'a.txt')
    client.put_text('hello', path)
    client.put(b'\x00\x01', str(tmp_path / 'b.bin'))
    assert client.get_text(path) == 'hello' and client.get(str(tmp_path / 'b.bin')) == b'\x00\x01'
    assert client.exists(path) and client.isfile(path) and client.isdir(str(tmp_path / 'sub'))
    assert sorted(client.list_dir_or_file(str(tmp_path))) == ['b.bin', 'sub']
    assert sorted(client.list_dir_or_file(str(tmp_path), list_dir=False, suffix='.txt', recursive=True)) \
        == [os.path.join('sub', 'a.txt')]
    with client.get_local_path(path) as local:
        assert local == path
    client.remove(path)
    assert not client.exists(path)


def test_images_read_through_the_client_as_mmcv_pipelines_do(tmp_path):
    img = (np.arange(4 * 5 * 3) % 255).astype(np.uint8).reshape(4, 5, 3)
    mmlite.imwrite(img, str(tmp_path / 'x.png'))
    data = FileClient(backend='disk').get(str(tmp_path / 'x.png'))
    np.testing.assert_array_equal(mmlite.imfrombytes(data, flag='color'), img)


def test_http_backend(tmp_path):
    (tmp_path / 'a.txt').write_text('served')
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = HTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f'http://127.0.0.1:{server.server_address[1]}/a.txt'
        client = FileClient.infer_client(uri=url)
        assert client.name == 'HTTPBackend' and client.get_text(url) == 'served'
        with client.get_local_path(url) as local:
            assert open(local).read() == 'served'
        assert not os.path.exists(local)
    finally:
        server.shutdown()


def test_registration_and_clear_errors():
    class MemoryBackend(BaseStorageBackend):
        store = {'k': b'v'}

        def get(self, filepath):
            return self.store[filepath]

        def get_text(self, filepath, encoding='utf-8'):
            return self.get(filepath).decode(encoding)

    FileClient.register_backend('memory_test', MemoryBackend, prefixes='mem')
    try:
        assert FileClient('memory_test').get_text('k') == 'v'
        assert FileClient.infer_client(uri='mem://bucket/k').name == 'MemoryBackend'
        with pytest.raises(KeyError, match='already a registered backend'):
            FileClient.register_backend('memory_test', MemoryBackend)
    finally:
        FileClient._backends.pop('memory_test')
        FileClient._prefix_to_backends.pop('mem')
    with pytest.raises(KeyError, match="'petrel' needs its client library.*register_backend"):
        FileClient(backend='petrel')
    with pytest.raises(KeyError, match="'ftp' is not registered; available: \\['disk', 'http'\\]"):
        FileClient(backend='ftp')
    with pytest.raises(TypeError, match='subclass of BaseStorageBackend'):
        FileClient.register_backend('bad', object)
    assert FileClient.parse_uri_prefix('s3://b/k') == 's3' and FileClient.parse_uri_prefix('/a/b') is None


def test_casts():
    assert list_cast(['1', '2'], int) == [1, 2] and tuple_cast([1, 2], str) == ('1', '2')
    assert list(iter_cast('12', int)) == [1, 2]
    with pytest.raises(TypeError, match='iterable'):
        list_cast(3, int)
    with pytest.raises(TypeError, match='valid type'):
        list_cast([1], 'int')


def _square(x):
    return x * x


@pytest.mark.parametrize('keep_order', [True, False])
def test_track_parallel_progress(keep_order):
    out = io.StringIO()
    results = track_parallel_progress(_square, list(range(8)), 2, keep_order=keep_order, file=out)
    assert (results if keep_order else sorted(results)) == [x * x for x in range(8)]
    assert '8/8' in out.getvalue()


def test_mmcv_top_level_names():
    for name in ('imread', 'imwrite', 'imrescale', 'imflip', 'imnormalize', 'bgr2rgb', 'tensor2imgs', 'load', 'dump',
                 'mkdir_or_exist', 'track_progress', 'track_parallel_progress', 'FileClient', 'Timer', 'print_log',
                 'list_cast', 'deprecated_api_warning', 'import_modules_from_strings', 'TORCH_VERSION'):
        assert hasattr(mmlite, name), name
    assert set(mmlite.__all__) >= {'Config', 'load', 'FileClient'}
