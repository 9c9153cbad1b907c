"""mmlite: a legacy-compatible MMCV 1.x hook runner and mmdet 2.x training stack for modern PyTorch.

``import mmlite`` gives mmcv's top-level names (its ``utils``, ``fileio`` and ``image`` functions:
``mmlite.load``, ``mmlite.imread``, ``mmlite.FileClient``...); the runner, parallel wrappers and
detection stack live in ``mmlite.runner``, ``mmlite.parallel``, ``mmlite.models``,
``mmlite.datasets`` and ``mmlite.apis`` (``mmcv.X`` → ``mmlite.X``).
"""
from . import image, utils
from .image import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
from .version import __version__, version_info

__all__ = ['__version__', 'version_info', *image.__all__, *utils.__all__]
