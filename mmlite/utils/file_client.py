"""``FileClient``: mmcv's storage abstraction, with the local disk and HTTP(S) backends.

Custom pipelines written for mmcv read images as ``FileClient(**file_client_args).get(path)`` followed
by ``imfrombytes``; that works unchanged. Cluster stores (petrel/ceph, memcached, lmdb) need their
client libraries and are not bundled: register your own backend with ``FileClient.register_backend``.
"""
from __future__ import annotations

import os
import os.path as osp
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import ReadableKeyError


class BaseStorageBackend(metaclass=ABCMeta):
    """A storage backend: at least ``get`` (bytes) and ``get_text`` (str)."""

    _allow_symlink = False

    @property
    def name(self) -> str:
        return self.__class__.__name__

    @property
    def allow_symlink(self) -> bool:
        return self._allow_symlink

    @abstractmethod
    def get(self, filepath: str | Path) -> bytes:
        """The file's content."""

    @abstractmethod
    def get_text(self, filepath: str | Path, encoding: str = 'utf-8') -> str:
        """The file's content as text."""


class HardDiskBackend(BaseStorageBackend):
    """Files on a local (or mounted) disk."""

    _allow_symlink = True

    def get(self, filepath: str | Path) -> bytes:
        with open(filepath, 'rb') as f:
            return f.read()

    def get_text(self, filepath: str | Path, encoding: str = 'utf-8') -> str:
        with open(filepath, encoding=encoding) as f:
            return f.read()

    def put(self, obj: bytes, filepath: str | Path) -> None:
        os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
        with open(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: str | Path, encoding: str = 'utf-8') -> None:
        os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
        with open(filepath, 'w', encoding=encoding) as f:
            f.write(obj)

    def remove(self, filepath: str | Path) -> None:
        os.remove(filepath)

    def exists(self, filepath: str | Path) -> bool:
        return osp.exists(filepath)

    def isdir(self, filepath: str | Path) -> bool:
        return osp.isdir(filepath)

    def isfile(self, filepath: str | Path) -> bool:
        return osp.isfile(filepath)

    def join_path(self, filepath: str | Path, *filepaths: str | Path) -> str:
        return osp.join(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath: str | Path) -> Iterator[str | Path]:
        yield filepath

    def list_dir_or_file(self, dir_path: str | Path, list_dir: bool = True, list_file: bool = True,
                         suffix: str | tuple | None = None, recursive: bool = False) -> Iterator[str]:
        """Paths relative to ``dir_path``; ``suffix`` filters files only."""
        if list_dir and suffix is not None:
            raise TypeError('`suffix` should be None when `list_dir` is True')
        for root, dirs, files in os.walk(dir_path):
            rel_root = osp.relpath(root, dir_path)
            entries = ([(d, True) for d in sorted(dirs)] if list_dir else []) + [(f, False) for f in sorted(files)]
            for name, is_dir in entries:
                rel = name if rel_root == '.' else osp.join(rel_root, name)
                if is_dir or (list_file and (suffix is None or name.endswith(suffix))):
                    yield rel
            if not recursive:
                break


class HTTPBackend(BaseStorageBackend):
    """Files behind ``http://`` or ``https://`` URLs (read only)."""

    def get(self, filepath: str) -> bytes:
        import urllib.request  # on use: it costs ~7 ms at import
        with urllib.request.urlopen(filepath) as response:
            return response.read()

    def get_text(self, filepath: str, encoding: str = 'utf-8') -> str:
        return self.get(filepath).decode(encoding)

    @contextmanager
    def get_local_path(self, filepath: str) -> Iterator[str]:
        """Download to a temporary file, removed when the block ends."""
        import tempfile
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(self.get(filepath))
        try:
            yield f.name
        finally:
            os.remove(f.name)


_UNBUNDLED = ('ceph', 'petrel', 'memcached', 'lmdb')


class FileClient:
    """A storage client chosen by ``backend`` ('disk', 'http') or by a URI ``prefix`` ('http', 'https').

    Unknown attributes are the backend's (``get``, ``get_text``, ``put``, ``exists``, ``join_path``...).
    """

    _backends: dict[str, type] = {'disk': HardDiskBackend, 'http': HTTPBackend}
    _prefix_to_backends: dict[str, type] = {'http': HTTPBackend, 'https': HTTPBackend}

    def __init__(self, backend: str | None = None, prefix: str | None = None, **kwargs):
        if backend is None and prefix is None:
            backend = 'disk'
        if backend is not None and backend not in self._backends:
            if backend in _UNBUNDLED:
                raise ReadableKeyError(
                    f'file_client_args backend {backend!r} needs its client library, which mmlite does not bundle: '
                    f'copy the data to a local disk (backend="disk"), or register a backend class with '
                    f'FileClient.register_backend({backend!r}, YourBackend)')
            raise ReadableKeyError(f'file_client_args backend {backend!r} is not registered; available: '
                                   f'{sorted(self._backends)}')
        if prefix is not None and prefix not in self._prefix_to_backends:
            raise ReadableKeyError(f'no storage backend for the URI prefix {prefix!r}; registered prefixes: '
                                   f'{sorted(self._prefix_to_backends)}')
        self.backend = backend or prefix
        cls = self._backends[backend] if backend is not None else self._prefix_to_backends[prefix]
        self.client = cls(**kwargs)

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def allow_symlink(self) -> bool:
        return self.client.allow_symlink

    def __getattr__(self, name: str) -> Any:
        if name == 'client':  # not set yet (failed __init__)
            raise AttributeError(name)
        return getattr(self.client, name)

    @staticmethod
    def parse_uri_prefix(uri: str | Path) -> str | None:
        """``'s3'`` for ``'s3://bucket/x'``; None for a local path."""
        uri = str(uri)
        if '://' not in uri:
            return None
        prefix = uri.split('://')[0]
        return prefix.split(':')[1] if ':' in prefix else prefix

    @classmethod
    def infer_client(cls, file_client_args: dict | None = None, uri: str | Path | None = None) -> FileClient:
        """A client from ``file_client_args``, else from ``uri``'s prefix (the disk for local paths)."""
        if file_client_args is not None:
            return cls(**file_client_args)
        prefix = cls.parse_uri_prefix(uri) if uri is not None else None
        return cls(prefix=prefix) if prefix is not None else cls(backend='disk')

    @classmethod
    def register_backend(cls, name: str, backend: type | None = None, force: bool = False,
                         prefixes: str | list | None = None):
        """Register a ``BaseStorageBackend`` subclass under ``name`` (and URI ``prefixes``); also a decorator."""
        def _register(backend_cls: type) -> type:
            if not (isinstance(backend_cls, type) and issubclass(backend_cls, BaseStorageBackend)):
                raise TypeError(f'backend should be a subclass of BaseStorageBackend, got {backend_cls!r}')
            if name in cls._backends and not force:
                raise KeyError(f'{name} is already a registered backend; use force=True to replace it')
            cls._backends[name] = backend_cls
            for prefix in [prefixes] if isinstance(prefixes, str) else (prefixes or []):
                if prefix in cls._prefix_to_backends and not force:
                    raise KeyError(f'{prefix} is already a registered prefix; use force=True to replace it')
                cls._prefix_to_backends[prefix] = backend_cls
            return backend_cls

        return _register if backend is None else _register(backend)
