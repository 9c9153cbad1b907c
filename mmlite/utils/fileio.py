"""``load``/``dump`` of json, yaml and pickle files (mmcv.fileio names)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .file_handlers import BaseFileHandler, file_handlers


def _handler(file_format: str | None, file: Any, action: str) -> BaseFileHandler:
    if file_format is None:
        if not isinstance(file, (str, Path)):
            raise ValueError(f'{action}: file_format is required when file is not a path')
        file_format = str(file).rsplit('.', 1)[-1]
    if file_format not in file_handlers:
        raise TypeError(f'{action}: unsupported format "{file_format}" for {file!r}; use one of '
                        f'{sorted(file_handlers)} or add one with mmlite.fileio.register_handler')
    return file_handlers[file_format]


def load(file: str | Path | Any, file_format: str | None = None, **kwargs) -> Any:
    """Load a json/yaml/pickle file (or a registered format) from a path or a file object.

    Args:
        file: A path or a file-like object.
        file_format: ``'json'``, ``'yaml'``/``'yml'``, ``'pickle'``/``'pkl'`` or a format added
            with ``register_handler``. Inferred from the extension when None.
    """
    handler = _handler(file_format, file, 'load')
    if isinstance(file, (str, Path)):
        return handler.load_from_path(str(file), **kwargs)
    if hasattr(file, 'read'):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError('"file" must be a filepath str or a file-object')


def dump(obj: Any, file: str | Path | Any = None, file_format: str | None = None, **kwargs) -> Any:
    """Dump ``obj`` to a file (json/yaml/pickle or a registered format), a file object, or (file
    None) return it.

    Returns:
        The serialised str (bytes for pickle) when ``file`` is None, else None.
    """
    if file is None and file_format is None:
        raise ValueError('dump: file_format must be given when file is None')
    handler = _handler(file_format, file, 'dump')
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    if isinstance(file, (str, Path)):
        os.makedirs(os.path.dirname(os.path.abspath(file)), exist_ok=True)  # e.g. test.py --out new/dir/r.pkl
        handler.dump_to_path(obj, str(file), **kwargs)
        return None
    if hasattr(file, 'write'):
        handler.dump_to_fileobj(obj, file, **kwargs)
        return None
    raise TypeError('"file" must be a filename str or a file-object')


def list_from_file(filename: str | Path, prefix: str = '', offset: int = 0, max_num: int = 0,
                   encoding: str = 'utf-8') -> list[str]:
    """Read lines of a text file into a list of str (without line ends).

    Args:
        filename: The file.
        prefix: Prepended to each item. Defaults to ''.
        offset: Lines skipped at the top. Defaults to 0.
        max_num: Most lines read; 0 means all. Defaults to 0.
    """
    items = []
    with open(filename, encoding=encoding) as f:
        for _ in range(offset):
            f.readline()
        for line in f:
            if 0 < max_num <= len(items):
                break
            items.append(prefix + line.rstrip('\n\r'))
    return items


def dict_from_file(filename: str | Path, key_type: type = str, encoding: str = 'utf-8') -> dict:
    """Read a whitespace-separated text file into a dict: first column → remaining column(s)."""
    mapping = {}
    with open(filename, encoding=encoding) as f:
        for line in f:
            items = line.rstrip('\n').split()
            if len(items) < 2:
                raise ValueError(f'{filename}: line {line!r} needs at least a key and a value')
            key = key_type(items[0])
            mapping[key] = items[1:] if len(items) > 2 else items[1]
    return mapping
