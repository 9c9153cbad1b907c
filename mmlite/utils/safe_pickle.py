"""Unpickling of data files without running code: only containers, numbers, strings and NumPy arrays."""
from __future__ import annotations

import _compat_pickle
import importlib
import pickle
from pathlib import Path
from typing import Any, BinaryIO

# The globals that plain data (incl. Python 2 pickles of NumPy arrays) refers to; nothing else is resolved.
_DATA_GLOBALS = frozenset({
    ('_codecs', 'encode'), ('builtins', 'set'), ('builtins', 'frozenset'), ('builtins', 'bytearray'),
    ('builtins', 'complex'), ('builtins', 'slice'), ('builtins', 'range'), ('collections', 'OrderedDict'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'), ('numpy.core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', 'scalar'), ('numpy.core.numeric', '_frombuffer'),
    ('numpy._core.numeric', '_frombuffer')})


class DataOnlyUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that resolves only the globals plain data needs (see ``_DATA_GLOBALS``)."""

    def find_class(self, module: str, name: str):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) not in _DATA_GLOBALS:
            raise pickle.UnpicklingError(f'refusing to unpickle {module}.{name}: only containers, numbers, '
                                         'strings and NumPy arrays are accepted in this file')
        return getattr(importlib.import_module(module), name)


def load_data_pickle(file: str | Path | BinaryIO, encoding: str = 'ASCII') -> Any:
    """Unpickle a data file (path or binary file object) without running code from it.

    Args:
        file: The pickle.
        encoding: How Python 2 ``str`` objects are decoded (``'latin1'`` for Python 2 NumPy arrays).

    Raises:
        ValueError: The file is not a pickle or refers to anything but plain data; names the file.
    """
    if isinstance(file, (str, Path)):
        with open(file, 'rb') as f:
            return load_data_pickle(f, encoding)
    try:
        return DataOnlyUnpickler(file, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError) as exc:
        name = getattr(file, 'name', 'the pickle')
        raise ValueError(f'{name} is not a plain-data pickle: {exc}') from exc
