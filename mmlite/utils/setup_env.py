"""Process-level set-up from a config: start method, dataset root, device (mmdet 2.x helpers)."""
from __future__ import annotations

import multiprocessing as mp
import os
import platform
import warnings

import torch

from .errors import ReadableKeyError
from .logging import print_log
from .malloc import keep_freed_memory

DATA_ROOT_ENV = ('MMLITE_DATASETS', 'MMDET_DATASETS')


def setup_multi_processes(cfg) -> None:
    """Apply ``mp_start_method`` (default 'fork') and ``malloc_keep_freed`` (default False; see
    ``mmlite.utils.malloc``); ``opencv_num_threads`` is accepted (no OpenCV here).

    Data-loader workers already run torch with one thread, so OMP/MKL variables are left alone:
    setting them in the main process would make CPU training single-threaded.
    """
    if cfg.get('malloc_keep_freed', False) and not keep_freed_memory():
        warnings.warn('malloc_keep_freed=True needs glibc (Linux); ignored on this system')
    if platform.system() == 'Windows':
        return
    method = cfg.get('mp_start_method', 'fork')
    current = mp.get_start_method(allow_none=True)
    if current is not None and current != method:
        warnings.warn(f'Multi-processing start method `{method}` differs from the previous setting '
                      f'`{current}`; it is set to `{method}` now.')
    mp.set_start_method(method, force=True)


def _replace_prefix(node, src: str, dst: str):
    if isinstance(node, str):
        return node.replace(src, dst) if src in node else node
    if isinstance(node, dict):
        for key in list(node):
            node[key] = _replace_prefix(node[key], src, dst)
        return node
    if isinstance(node, list):
        return [_replace_prefix(v, src, dst) for v in node]
    return node


def update_data_root(cfg, logger=None) -> None:
    """Point ``data_root`` (and every data path under it) at ``$MMLITE_DATASETS`` or ``$MMDET_DATASETS``."""
    for env in DATA_ROOT_ENV:
        if env in os.environ:
            dst_root = os.environ[env]
            break
    else:
        return
    if 'data_root' not in cfg:
        raise ReadableKeyError(f'${env} is set but the config has no data_root to replace')
    print_log(f'Set data root to {dst_root} according to {env}', logger)
    _replace_prefix(cfg.data, cfg.data_root, dst_root)
    cfg.data_root = dst_root


def get_device() -> str:
    """'cuda' when a GPU is usable, else 'cpu'."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'
