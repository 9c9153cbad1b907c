"""``load``/``dump`` of json, yaml and pickle files (mmcv.fileio names)."""
from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path
from typing import Any, Callable

import numpy as np


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, range)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'{type(obj)} is not JSON serializable')


def _json_load(f) -> Any:
    return json.load(f)


def _json_dump(obj: Any, f, **kwargs) -> None:
    kwargs.setdefault('default', _json_default)
    json.dump(obj, f, **kwargs)


def _yaml_load(f) -> Any:
    import yaml
    return yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))


def _yaml_dump(obj: Any, f, **kwargs) -> None:
    import yaml
    kwargs.setdefault('Dumper', getattr(yaml, 'CSafeDumper', yaml.SafeDumper))
    kwargs.setdefault('sort_keys', False)
    yaml.dump(_plain(obj), f, **kwargs)


def _plain(obj: Any) -> Any:
    """Convert tuples to lists and numpy values to Python ones so SafeDumper accepts them."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    return obj


def _pickle_load(f) -> Any:
    return pickle.load(f)


def _pickle_dump(obj: Any, f, **kwargs) -> None:
    kwargs.setdefault('protocol', 2)
    pickle.dump(obj, f, **kwargs)


# format -> (load, dump, binary?)
_HANDLERS: dict[str, tuple[Callable, Callable, bool]] = {
    'json': (_json_load, _json_dump, False),
    'yaml': (_yaml_load, _yaml_dump, False),
    'yml': (_yaml_load, _yaml_dump, False),
    'pickle': (_pickle_load, _pickle_dump, True),
    'pkl': (_pickle_load, _pickle_dump, True),
}


def _handler(file_format: str | None, file: Any, action: str) -> tuple[Callable, Callable, bool]:
    if file_format is None:
        if not isinstance(file, (str, Path)):
            raise ValueError(f'{action}: file_format is required when file is not a path')
        file_format = str(file).rsplit('.', 1)[-1]
    if file_format not in _HANDLERS:
        raise TypeError(f'{action}: unsupported format "{file_format}" for {file!r}; '
                        f'use one of {sorted(_HANDLERS)}')
    return _HANDLERS[file_format]


def load(file: str | Path | Any, file_format: str | None = None, **kwargs) -> Any:
    """Load a json/yaml/pickle file, a file object or (json/yaml) a file path.

    Args:
        file: A path or a file-like object.
        file_format: ``'json'``, ``'yaml'``/``'yml'`` or ``'pickle'``/``'pkl'``. Inferred from the
            extension when None.
    """
    loader, _, binary = _handler(file_format, file, 'load')
    if isinstance(file, (str, Path)):
        with open(file, 'rb' if binary else 'r', **({} if binary else {'encoding': 'utf-8'})) as f:
            return loader(f, **kwargs)
    if hasattr(file, 'read'):
        return loader(file, **kwargs)
    raise TypeError('"file" must be a filepath str or a file-object')


def dump(obj: Any, file: str | Path | Any = None, file_format: str | None = None, **kwargs) -> Any:
    """Dump ``obj`` to a json/yaml/pickle file, a file object, or (file None) return it.

    Returns:
        The serialised str (bytes for pickle) when ``file`` is None, else None.
    """
    if file is None and file_format is None:
        raise ValueError('dump: file_format must be given when file is None')
    _, dumper, binary = _handler(file_format, file, 'dump')
    if file is None:
        buf = io.BytesIO() if binary else io.StringIO()
        dumper(obj, buf, **kwargs)
        return buf.getvalue()
    if isinstance(file, (str, Path)):
        os.makedirs(os.path.dirname(os.path.abspath(file)), exist_ok=True)  # e.g. test.py --out new/dir/r.pkl
        with open(file, 'wb' if binary else 'w', **({} if binary else {'encoding': 'utf-8'})) as f:
            dumper(obj, f, **kwargs)
        return None
    if hasattr(file, 'write'):
        dumper(obj, file, **kwargs)
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
