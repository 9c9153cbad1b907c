"""Small type checks and helpers with mmcv 1.x names."""
from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import warnings
from collections import abc
from typing import Any, Callable, Iterable, Sequence

import torch


def is_str(x: Any) -> bool:
    """Whether ``x`` is a string."""
    return isinstance(x, str)


def is_seq_of(seq: Any, expected_type: type | tuple, seq_type: type | None = None) -> bool:
    """Whether ``seq`` is a sequence (of ``seq_type`` if given) whose items are all ``expected_type``."""
    exp_seq_type = abc.Sequence if seq_type is None else seq_type
    if not isinstance(seq, exp_seq_type):
        return False
    return all(isinstance(item, expected_type) for item in seq)


def is_list_of(seq: Any, expected_type: type | tuple) -> bool:
    """Whether ``seq`` is a list whose items are all ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: type | tuple) -> bool:
    """Whether ``seq`` is a tuple whose items are all ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=tuple)


def iter_cast(inputs: Iterable, dst_type: type, return_type: type | None = None) -> Iterable:
    """Each item of ``inputs`` converted to ``dst_type`` (a lazy ``map``, or a ``return_type`` container)."""
    if not isinstance(inputs, abc.Iterable):
        raise TypeError(f'inputs must be an iterable object, got {type(inputs)}')
    if not isinstance(dst_type, type):
        raise TypeError(f'"dst_type" must be a valid type, got {dst_type!r}')
    out = map(dst_type, inputs)
    return out if return_type is None else return_type(out)


def list_cast(inputs: Iterable, dst_type: type) -> list:
    """``[dst_type(x) for x in inputs]``."""
    return iter_cast(inputs, dst_type, return_type=list)


def tuple_cast(inputs: Iterable, dst_type: type) -> tuple:
    """``tuple(dst_type(x) for x in inputs)``."""
    return iter_cast(inputs, dst_type, return_type=tuple)


def slice_list(in_list: list, lens: int | Sequence[int]) -> list:
    """Cut ``in_list`` into consecutive pieces of the given lengths."""
    if isinstance(lens, int):
        if len(in_list) % lens != 0:
            raise ValueError(f'cannot split a list of {len(in_list)} items into pieces of {lens}')
        lens = [lens] * (len(in_list) // lens)
    if not isinstance(lens, list):
        raise TypeError('"lens" must be an int or a list of ints')
    if sum(lens) != len(in_list):
        raise ValueError(f'sum of lens {sum(lens)} != list length {len(in_list)}')
    out, idx = [], 0
    for n in lens:
        out.append(in_list[idx:idx + n])
        idx += n
    return out


def concat_list(in_list: Iterable[Iterable]) -> list:
    """Flatten a list of lists by one level."""
    return [item for sub in in_list for item in sub]


def is_method_overridden(method: str, base_class: type, derived_class: type | object) -> bool:
    """Whether ``derived_class`` (a class or an instance) overrides ``base_class.method``."""
    if not isinstance(base_class, type):
        raise TypeError(f'base_class must be a class, got {base_class!r}')
    if not isinstance(derived_class, type):
        derived_class = derived_class.__class__
    return getattr(derived_class, method) is not getattr(base_class, method)


def has_method(obj: object, method: str) -> bool:
    """Whether ``obj`` has a callable attribute named ``method``."""
    return callable(getattr(obj, method, None))


def import_modules_from_strings(imports: str | list | None,
                                allow_failed_imports: bool = False) -> Any:
    """Import modules named by dotted strings (the ``custom_imports`` config key).

    Args:
        imports: A module name or a list of them.
        allow_failed_imports: Warn instead of raising when an import fails.

    Returns:
        The imported module, or a list of them (None for failed imports).
    """
    if not imports:
        return None
    single = isinstance(imports, str)
    if single:
        imports = [imports]
    if not isinstance(imports, list):
        raise TypeError(f'custom_imports.imports must be a str or a list of str, got {type(imports)}')
    modules = []
    for name in imports:
        if not isinstance(name, str):
            raise TypeError(f'custom_imports.imports: {name!r} is of {type(name)} and cannot be imported')
        try:
            modules.append(importlib.import_module(name))
        except ImportError as exc:
            if not allow_failed_imports:
                raise ImportError(f'custom_imports: failed to import {name!r} ({exc}). Check the module '
                                  'is on PYTHONPATH or set allow_failed_imports=True.') from exc
            warnings.warn(f'{name} failed to import and is ignored.', UserWarning)
            modules.append(None)
    return modules[0] if single else modules


_VERSION_RE = re.compile(r'^v?(?P<release>\d+(?:\.\d+)*)'
                         r'(?:[-_.]?(?P<pre>a|alpha|b|beta|rc|c|pre|preview)[-_.]?(?P<pre_n>\d*))?'
                         r'(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post>\d*))?'
                         r'(?:[-_.]?dev[-_.]?\d*)?(?:\+[\w.]+)?$', re.IGNORECASE)
_PRE_RANK = {'a': -3, 'alpha': -3, 'b': -2, 'beta': -2, 'rc': -1, 'c': -1, 'pre': -1, 'preview': -1}


def digit_version(version_str: str, length: int = 4) -> tuple:
    """Turn a version string into a comparable tuple of ints, as mmcv does.

    Pre-releases sort below the release (``'1.3.0rc1' < '1.3.0'``), post-releases above.

    Args:
        version_str: A PEP 440 version such as ``'2.1.0+cu121'`` or ``'1.7.0rc1'``.
        length: The release part is padded to this many numbers. Defaults to 4.
    """
    match = _VERSION_RE.match(version_str.strip())
    if match is None:
        raise ValueError(f'failed to parse version {version_str!r}')
    release = [int(x) for x in match.group('release').split('.')]
    if len(release) > length:
        raise ValueError(f'version {version_str!r} has more than {length} release numbers')
    release += [0] * (length - len(release))
    if match.group('pre'):
        release += [_PRE_RANK[match.group('pre').lower()], int(match.group('pre_n') or 0)]
    elif match.group('post') is not None:
        release += [1, int(match.group('post') or 0)]
    else:
        release += [0, 0]
    return tuple(release)


def deprecated_api_warning(name_dict: dict, cls_name: str | None = None) -> Callable:
    """Decorator renaming deprecated keyword arguments, warning when the old name is used.

    Args:
        name_dict: Maps each deprecated argument name to its new name.
        cls_name: Class name shown in the warning. Defaults to None.
    """

    def decorator(func: Callable) -> Callable:
        func_name = func.__name__ if cls_name is None else f'{cls_name}.{func.__name__}'

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in name_dict.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f'`{func_name}` got both "{old}" (deprecated) and "{new}"')
                warnings.warn(f'"{old}" is deprecated in `{func_name}`, please use "{new}" instead',
                              DeprecationWarning)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def requires_package(prerequisites: str | list, extra: str | None = None) -> Callable:
    """Decorator that raises a clear ImportError when an optional package is missing."""
    names = [prerequisites] if isinstance(prerequisites, str) else list(prerequisites)

    def decorator(func: Callable) -> Callable:

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            missing = [n for n in names if importlib.util.find_spec(n) is None]
            if missing:
                hint = f' (pip install "mmlite[{extra}]")' if extra else ''
                raise ImportError(f'{func.__name__} needs {", ".join(missing)}; install it{hint}.')
            return func(*args, **kwargs)

        return wrapper

    return decorator


def to_ntuple(n: int) -> Callable[[Any], tuple]:
    """A function giving ``x`` as an ``n``-tuple: an iterable is turned into a tuple, a scalar
    repeated ``n`` times."""

    def parse(x: Any) -> tuple:
        if isinstance(x, abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x, ) * n

    return parse


to_1tuple = to_ntuple(1)
to_2tuple = to_ntuple(2)
to_3tuple = to_ntuple(3)
to_4tuple = to_ntuple(4)


def floordiv(dividend: torch.Tensor, divisor, rounding_mode: str = 'trunc') -> torch.Tensor:
    """``torch.div`` with a rounding mode (mmdet's helper from before torch 1.8 had one)."""
    return torch.div(dividend, divisor, rounding_mode=rounding_mode)
