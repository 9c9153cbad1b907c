"""Runner helpers with mmcv names: host/time strings, seeding, ``obj_from_dict``."""
from __future__ import annotations

import os
import random
import socket
import sys
import time
from getpass import getuser
from typing import Any

import numpy as np
import torch

from .dist_utils import get_dist_info


def get_host_info() -> str:
    """``user@hostname``."""
    try:
        user = getuser()
    except Exception:  # noqa: BLE001 - getuser fails in some containers
        user = 'unknown'
    return f'{user}@{socket.gethostname()}'


def get_time_str() -> str:
    """The local time as ``YYYYmmdd_HHMMSS`` (the work_dir log file stem)."""
    return time.strftime('%Y%m%d_%H%M%S', time.localtime())


def obj_from_dict(info: dict, parent: Any = None, default_args: dict | None = None) -> Any:
    """Build an object from a dict whose ``type`` is a class or a name in module ``parent``."""
    if not isinstance(info, dict) or 'type' not in info:
        raise TypeError(f'info must be a dict with a "type" key, got {info!r}')
    args = dict(info)
    obj_type = args.pop('type')
    if isinstance(obj_type, str):
        obj_type = getattr(parent, obj_type) if parent is not None else sys.modules[obj_type]
    elif not isinstance(obj_type, type):
        raise TypeError(f'type must be a str or valid type, but got {type(obj_type)}')
    for name, value in (default_args or {}).items():
        args.setdefault(name, value)
    return obj_type(**args)


def set_random_seed(seed: int, deterministic: bool = False, use_rank_shift: bool = False) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA).

    Args:
        seed: The seed.
        deterministic: Also make cuDNN deterministic (``benchmark`` off). Defaults to False.
        use_rank_shift: Add the process rank to the seed. Defaults to False.
    """
    if use_rank_shift:
        seed += get_dist_info()[0]
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    os.environ['PYTHONHASHSEED'] = str(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
