"""``collect_env``: the facts about a machine that a bug report or a log header needs."""
from __future__ import annotations

import os
import os.path as osp
import platform
import subprocess
import sys
from collections import OrderedDict, defaultdict


def _gcc_version() -> str:
    try:
        out = subprocess.check_output(['gcc', '--version'], stderr=subprocess.DEVNULL, timeout=5)
        return out.decode('utf-8').splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return 'n/a'


def _cuda_facts(torch) -> dict:
    facts: dict = {'CUDA available': torch.cuda.is_available()}
    if not facts['CUDA available']:
        return facts
    devices = defaultdict(list)
    for k in range(torch.cuda.device_count()):
        devices[torch.cuda.get_device_name(k)].append(str(k))
    for name, ids in devices.items():
        facts['GPU ' + ','.join(ids)] = name
    facts['CUDA_HOME'] = os.environ.get('CUDA_HOME') or os.environ.get('CUDA_PATH') or 'n/a'
    facts['CUDA (torch build)'] = torch.version.cuda
    if torch.backends.cudnn.is_available():
        facts['cuDNN'] = torch.backends.cudnn.version()
    return facts


def collect_env() -> OrderedDict:
    """Platform, Python, CUDA and GPUs, GCC, PyTorch (and its build config), TorchVision, NumPy and
    mmlite versions, as an ordered dict of display name → value."""
    import numpy as np
    import torch

    from ..version import __version__
    env: OrderedDict = OrderedDict()
    env['sys.platform'] = sys.platform
    env['Python'] = sys.version.replace('\n', '')
    env.update(_cuda_facts(torch))
    env['GCC'] = _gcc_version()
    env['PyTorch'] = torch.__version__
    env['PyTorch compiling details'] = torch.__config__.show()
    try:
        import torchvision
        env['TorchVision'] = torchvision.__version__
    except Exception as exc:  # noqa: BLE001 - report, don't fail, on a broken install
        env['TorchVision'] = f'unavailable ({type(exc).__name__}: {exc})'
    env['NumPy'] = np.__version__
    env['platform'] = platform.platform()
    env['mmlite'] = __version__
    env['mmlite path'] = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return env


def format_env(env: dict) -> str:
    """``collect_env()`` as ``name: value`` lines."""
    return '\n'.join(f'{k}: {v}' for k, v in env.items())
