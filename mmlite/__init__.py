"""mmlite: a legacy-compatible MMCV 1.x hook runner and mmdet 2.x training stack for modern PyTorch.

``import mmlite`` gives mmcv's top-level names; the runner, parallel wrappers and detection stack
live in ``mmlite.runner``, ``mmlite.parallel``, ``mmlite.models``, ``mmlite.datasets`` and
``mmlite.apis`` (``mmcv.X`` → ``mmlite.X``).
"""
from .utils import (Config, ConfigDict, DictAction, ProgressBar, Registry, build_from_cfg, check_file_exist,
                    collect_env, digit_version, dump, is_list_of, is_seq_of, is_str, is_tuple_of, list_from_file, load,
                    mkdir_or_exist, scandir, track_iter_progress, track_progress)
from .version import __version__, version_info

__all__ = [
    'Config', 'ConfigDict', 'DictAction', 'ProgressBar', 'Registry', 'build_from_cfg',
    'check_file_exist', 'collect_env', 'digit_version', 'dump', 'is_list_of', 'is_seq_of', 'is_str',
    'is_tuple_of', 'list_from_file', 'load', 'mkdir_or_exist', 'scandir', 'track_iter_progress',
    'track_progress', '__version__', 'version_info'
]
