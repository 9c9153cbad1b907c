"""File-format handlers behind ``load``/``dump`` (mmcv.fileio names), and ``register_handler``
for formats of one's own::

    @register_handler(['txt', 'text'])
    class TxtHandler(BaseFileHandler):
        def load_from_fileobj(self, file, **kwargs):
            return file.read()
        def dump_to_fileobj(self, obj, file, **kwargs):
            file.write(str(obj))
        def dump_to_str(self, obj, **kwargs):
            return str(obj)
"""
from __future__ import annotations

import json
import pickle
from abc import ABCMeta, abstractmethod
from typing import Any, Callable

import numpy as np


class BaseFileHandler(metaclass=ABCMeta):
    """Reads and writes one file format. ``str_like`` is False for binary formats (files are then
    opened in ``'rb'``/``'wb'`` mode)."""

    str_like = True

    @abstractmethod
    def load_from_fileobj(self, file, **kwargs) -> Any:
        """Read an object from an open file."""

    @abstractmethod
    def dump_to_fileobj(self, obj: Any, file, **kwargs) -> None:
        """Write ``obj`` to an open file."""

    @abstractmethod
    def dump_to_str(self, obj: Any, **kwargs) -> str | bytes:
        """Serialise ``obj`` to a str (bytes for binary formats)."""

    def load_from_path(self, filepath: str, mode: str = 'r', **kwargs) -> Any:
        """Read an object from the file at ``filepath``."""
        with open(filepath, mode, **_text_encoding(mode)) as f:
            return self.load_from_fileobj(f, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = 'w', **kwargs) -> None:
        """Write ``obj`` to the file at ``filepath``."""
        with open(filepath, mode, **_text_encoding(mode)) as f:
            self.dump_to_fileobj(obj, f, **kwargs)


def _text_encoding(mode: str) -> dict:
    return {} if 'b' in mode else {'encoding': 'utf-8'}


def set_default(obj: Any) -> Any:
    """JSON fallback for sets, ranges and NumPy values (mmcv's ``json_handler.set_default``)."""
    if isinstance(obj, (set, range)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'{type(obj)} is not JSON serializable')


class JsonHandler(BaseFileHandler):
    """JSON; sets, ranges and NumPy values are written as lists and numbers."""

    def load_from_fileobj(self, file, **kwargs) -> Any:
        return json.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file, **kwargs) -> None:
        kwargs.setdefault('default', set_default)
        json.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs) -> str:
        kwargs.setdefault('default', set_default)
        return json.dumps(obj, **kwargs)


class YamlHandler(BaseFileHandler):
    """YAML through PyYAML's safe loader and dumper (mmcv used the full loader, which can build
    arbitrary Python objects from a file; tuples and NumPy values are written as lists and numbers)."""

    def load_from_fileobj(self, file, **kwargs) -> Any:
        import yaml
        kwargs.setdefault('Loader', getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        return yaml.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file, **kwargs) -> None:
        self._dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs) -> str:
        return self._dump(obj, None, **kwargs)

    @staticmethod
    def _dump(obj: Any, stream, **kwargs) -> str | None:
        import yaml
        kwargs.setdefault('Dumper', getattr(yaml, 'CSafeDumper', yaml.SafeDumper))
        kwargs.setdefault('sort_keys', False)
        return yaml.dump(_plain(obj), stream, **kwargs)


def _plain(obj: Any) -> Any:
    """Tuples to lists and NumPy values to Python ones, so that the safe dumper accepts them."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    return obj


class PickleHandler(BaseFileHandler):
    """Python pickles (protocol 2 by default, as mmcv). Loading a pickle runs code it names: only
    load files you trust (``mmlite.utils.load_data_pickle`` reads data-only pickles safely)."""

    str_like = False

    def load_from_fileobj(self, file, **kwargs) -> Any:
        return pickle.load(file, **kwargs)

    def load_from_path(self, filepath: str, mode: str = 'rb', **kwargs) -> Any:
        return super().load_from_path(filepath, mode, **kwargs)

    def dump_to_fileobj(self, obj: Any, file, **kwargs) -> None:
        kwargs.setdefault('protocol', 2)
        pickle.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs) -> bytes:
        kwargs.setdefault('protocol', 2)
        return pickle.dumps(obj, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = 'wb', **kwargs) -> None:
        super().dump_to_path(obj, filepath, mode, **kwargs)


file_handlers: dict[str, BaseFileHandler] = {
    'json': JsonHandler(), 'yaml': YamlHandler(), 'yml': YamlHandler(),
    'pickle': PickleHandler(), 'pkl': PickleHandler(),
}


def _register_handler(handler: BaseFileHandler, file_formats: str | list[str]) -> None:
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(f'handler must be a BaseFileHandler, got {type(handler).__name__}')
    formats = [file_formats] if isinstance(file_formats, str) else file_formats
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) for f in formats):
        raise TypeError(f'file_formats must be a str or a list of str, got {file_formats!r}')
    for file_format in formats:
        file_handlers[file_format] = handler


def register_handler(file_formats: str | list[str], **kwargs) -> Callable[[type], type]:
    """Class decorator: ``load``/``dump`` use an instance (built with ``kwargs``) for these
    formats (extensions without the dot); a format already known is taken over."""

    def wrap(cls: type) -> type:
        _register_handler(cls(**kwargs), file_formats)
        return cls

    return wrap
