"""Utilities with mmcv 1.x names: config, registry, logging, file I/O, paths, progress, env."""
from .compat_config import compat_cfg
from .config import Config, ConfigDict, DictAction
from .env import collect_env
from .file_client import BaseStorageBackend, FileClient, HardDiskBackend, HTTPBackend
from .fileio import dict_from_file, dump, list_from_file, load
from .logging import get_logger, get_root_logger, print_log
from .malloc import keep_freed_memory
from .misc import (concat_list, deprecated_api_warning, digit_version, has_method, import_modules_from_strings,
                   is_list_of, is_method_overridden, is_seq_of, is_str, is_tuple_of, iter_cast, list_cast,
                   requires_package, slice_list, to_1tuple, to_2tuple, to_3tuple, to_4tuple, to_ntuple, tuple_cast)
from .parrots_wrapper import (IS_CUDA_AVAILABLE, IS_IPU_AVAILABLE, IS_MLU_AVAILABLE, IS_MPS_AVAILABLE, IS_NPU_AVAILABLE,
                              TORCH_VERSION, DataLoader, PoolDataLoader, SyncBatchNorm, _AdaptiveAvgPoolNd,
                              _AdaptiveMaxPoolNd, _AvgPoolNd, _BatchNorm, _ConvNd, _ConvTransposeMixin, _get_cuda_home,
                              _InstanceNorm, _MaxPoolNd, get_build_config, get_git_hash, is_jit_tracing,
                              is_rocm_pytorch, jit, load_url, skip_no_elena, torch_meshgrid, worker_init_fn)
from .path import (check_file_exist, download_to_cache, find_vcs_root, fopen, is_filepath, mkdir_or_exist, scandir,
                   symlink)
from .progressbar import ProgressBar, track_iter_progress, track_parallel_progress, track_progress
from .registry import Registry, build_from_cfg
from .replace_cfg_vals import replace_cfg_vals
from .safe_pickle import load_data_pickle
from .setup_env import get_device, setup_multi_processes, update_data_root
from .testing import (assert_attrs_equal, assert_dict_contains_subset, assert_dict_has_keys, assert_is_norm_layer,
                      assert_keys_equal, assert_params_all_zeros)
from .timer import Timer, TimerError, check_time

__all__ = [
    'Config', 'ConfigDict', 'DictAction', 'collect_env', 'load', 'dump', 'list_from_file',
    'dict_from_file', 'get_logger', 'print_log', 'get_root_logger', 'concat_list',
    'deprecated_api_warning', 'digit_version', 'has_method', 'import_modules_from_strings',
    'is_list_of', 'is_method_overridden', 'is_seq_of', 'is_str', 'is_tuple_of', 'requires_package',
    'slice_list', 'to_1tuple', 'to_2tuple', 'to_3tuple', 'to_4tuple', 'to_ntuple', 'check_file_exist',
    'find_vcs_root', 'fopen', 'is_filepath',
    'mkdir_or_exist', 'scandir', 'symlink', 'download_to_cache', 'load_data_pickle',
    'ProgressBar', 'track_iter_progress', 'track_progress',
    'Registry', 'build_from_cfg', 'Timer', 'TimerError', 'check_time', 'TORCH_VERSION', 'compat_cfg',
    'replace_cfg_vals', 'get_device', 'setup_multi_processes', 'update_data_root', 'keep_freed_memory',
    'FileClient', 'BaseStorageBackend', 'HardDiskBackend', 'HTTPBackend', 'iter_cast', 'list_cast', 'tuple_cast',
    'track_parallel_progress', 'IS_CUDA_AVAILABLE', 'IS_MPS_AVAILABLE', 'IS_NPU_AVAILABLE', 'IS_MLU_AVAILABLE',
    'IS_IPU_AVAILABLE', 'DataLoader', 'PoolDataLoader', 'SyncBatchNorm', '_AdaptiveAvgPoolNd', '_AdaptiveMaxPoolNd',
    '_AvgPoolNd', '_BatchNorm', '_ConvNd', '_ConvTransposeMixin', '_InstanceNorm', '_MaxPoolNd', '_get_cuda_home',
    'get_build_config', 'get_git_hash', 'is_jit_tracing', 'is_rocm_pytorch', 'jit', 'load_url', 'skip_no_elena',
    'torch_meshgrid', 'worker_init_fn', 'assert_attrs_equal', 'assert_dict_contains_subset', 'assert_dict_has_keys',
    'assert_is_norm_layer', 'assert_keys_equal', 'assert_params_all_zeros'
]
