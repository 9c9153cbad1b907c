"""Utilities with mmcv 1.x names: config, registry, logging, file I/O, paths, progress, env."""
import torch

from .compat_config import compat_cfg
from .config import Config, ConfigDict, DictAction
from .env import collect_env
from .file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend
from .fileio import dict_from_file, dump, list_from_file, load
from .logging import get_logger, get_root_logger, print_log
from .malloc import keep_freed_memory
from .misc import (concat_list, deprecated_api_warning, digit_version, has_method, import_modules_from_strings,
                   is_list_of, is_method_overridden, is_seq_of, is_str, is_tuple_of, iter_cast, list_cast,
                   requires_package, slice_list, to_2tuple, tuple_cast)
from .path import check_file_exist, find_vcs_root, fopen, is_filepath, mkdir_or_exist, scandir, symlink
from .progressbar import ProgressBar, track_iter_progress, track_parallel_progress, track_progress
from .registry import Registry, build_from_cfg
from .replace_cfg_vals import replace_cfg_vals
from .setup_env import get_device, setup_multi_processes, update_data_root
from .timer import Timer, TimerError, check_time

TORCH_VERSION = torch.__version__

__all__ = [
    'Config', 'ConfigDict', 'DictAction', 'collect_env', 'load', 'dump', 'list_from_file',
    'dict_from_file', 'get_logger', 'print_log', 'get_root_logger', 'concat_list',
    'deprecated_api_warning', 'digit_version', 'has_method', 'import_modules_from_strings',
    'is_list_of', 'is_method_overridden', 'is_seq_of', 'is_str', 'is_tuple_of', 'requires_package',
    'slice_list', 'to_2tuple', 'check_file_exist', 'find_vcs_root', 'fopen', 'is_filepath',
    'mkdir_or_exist', 'scandir', 'symlink', 'ProgressBar', 'track_iter_progress', 'track_progress',
    'Registry', 'build_from_cfg', 'Timer', 'TimerError', 'check_time', 'TORCH_VERSION', 'compat_cfg',
    'replace_cfg_vals', 'get_device', 'setup_multi_processes', 'update_data_root', 'keep_freed_memory',
    'FileClient', 'BaseStorageBackend', 'HardDiskBackend', 'HTTPBackend', 'iter_cast', 'list_cast', 'tuple_cast',
    'track_parallel_progress'
]
