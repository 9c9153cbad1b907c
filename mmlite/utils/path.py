"""File-system helpers with mmcv 1.x names."""
from __future__ import annotations

import os
import os.path as osp
from pathlib import Path
from typing import Iterator


def is_filepath(x: object) -> bool:
    """Whether ``x`` is a str or a ``pathlib.Path``."""
    return isinstance(x, (str, Path))


def fopen(filepath: str | Path, *args, **kwargs):
    """``open`` that accepts str and Path alike."""
    if isinstance(filepath, (str, Path)):
        return open(filepath, *args, **kwargs)
    raise ValueError('`filepath` should be a string or a Path')


def check_file_exist(filename: str | Path, msg_tmpl: str = 'file "{}" does not exist') -> None:
    """Raise FileNotFoundError (with ``msg_tmpl`` filled in) when ``filename`` is not a file."""
    if not osp.isfile(filename):
        raise FileNotFoundError(msg_tmpl.format(filename))


def mkdir_or_exist(dir_name: str | Path, mode: int = 0o777) -> None:
    """Create a directory and its parents; do nothing when it already exists."""
    if dir_name == '':
        return
    os.makedirs(osp.expanduser(dir_name), mode=mode, exist_ok=True)


def symlink(src: str, dst: str, overwrite: bool = True, **kwargs) -> None:
    """Create a symlink ``dst`` → ``src``, replacing an existing ``dst`` when ``overwrite``."""
    if os.path.lexists(dst) and overwrite:
        os.remove(dst)
    os.symlink(src, dst, **kwargs)


def scandir(dir_path: str | Path, suffix: str | tuple | None = None, recursive: bool = False,
            case_sensitive: bool = True) -> Iterator[str]:
    """Yield file paths under ``dir_path`` relative to it, optionally filtered by suffix.

    Args:
        dir_path: Directory to scan.
        suffix: Keep only files ending with this suffix (or any of a tuple of them).
        recursive: Descend into sub-directories. Defaults to False.
        case_sensitive: Compare suffixes case-sensitively. Defaults to True.
    """
    if isinstance(dir_path, Path):
        dir_path = str(dir_path)
    if not isinstance(dir_path, str):
        raise TypeError('"dir_path" must be a string or Path object')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError('"suffix" must be a string or tuple of strings')
    if suffix is not None and not case_sensitive:
        suffix = suffix.lower() if isinstance(suffix, str) else tuple(s.lower() for s in suffix)
    root = dir_path

    def _scan(path: str) -> Iterator[str]:
        for entry in os.scandir(path):
            if entry.is_file() and not entry.name.startswith('.'):
                rel = osp.relpath(entry.path, root)
                name = rel if case_sensitive else rel.lower()
                if suffix is None or name.endswith(suffix):
                    yield rel
            elif recursive and entry.is_dir():
                yield from _scan(entry.path)

    return _scan(dir_path)


def find_vcs_root(path: str, markers: tuple = ('.git', )) -> str | None:
    """The closest parent directory of ``path`` holding one of ``markers``, or None."""
    if osp.isfile(path):
        path = osp.dirname(path)
    prev, cur = None, osp.abspath(osp.expanduser(path))
    while cur != prev:
        if any(osp.exists(osp.join(cur, m)) for m in markers):
            return cur
        prev, cur = cur, osp.split(cur)[0]
    return None


def download_to_cache(url: str, cache_dir: str) -> str:
    """The local copy of ``url`` in ``cache_dir``, downloaded first if it is not there yet.

    Raises:
        RuntimeError: The file is not cached and cannot be downloaded (e.g. offline); the message
            names the path to copy it to by hand.
    """
    cached = osp.join(cache_dir, osp.basename(url.split('?')[0]))
    if osp.isfile(cached):
        return cached
    import torch.hub  # only when a download is needed: mmlite.utils imports without torch's hub
    try:
        os.makedirs(cache_dir, exist_ok=True)
        torch.hub.download_url_to_file(url, cached, progress=False)
    except Exception as exc:  # noqa: BLE001 - any network or file-system failure
        raise RuntimeError(
            f'could not download {url} ({type(exc).__name__}: {exc}) and it is not in the cache '
            f'{cache_dir}. On an offline machine, download it elsewhere and either copy it to '
            f'{cached} or set the config to the local file path instead.') from exc
    return cached
