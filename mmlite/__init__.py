"""mmlite: a legacy-compatible MMCV 1.x hook runner and mmdet 2.x training stack for modern PyTorch.

``import mmlite`` gives mmcv's top-level names (its ``utils``, ``fileio`` and ``image`` functions:
``mmlite.load``, ``mmlite.imread``, ``mmlite.FileClient``...); the runner, parallel wrappers and
detection stack live in ``mmlite.runner``, ``mmlite.parallel``, ``mmlite.models``,
``mmlite.datasets`` and ``mmlite.apis`` (``mmcv.X`` → ``mmlite.X``).
"""
import importlib

from . import utils
from .utils import *  # noqa: F401,F403
from .utils.file_handlers import BaseFileHandler, JsonHandler, PickleHandler, YamlHandler, register_handler
from .version import __version__, version_info

__all__ = ['__version__', 'version_info', *utils.__all__, 'BaseFileHandler', 'JsonHandler', 'PickleHandler',
           'YamlHandler', 'register_handler']


def __getattr__(name: str):
    # the image functions (mmlite.imread...) load on first use: importing mmlite.runner stays lean
    if name.startswith('__'):
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    image = importlib.import_module(f'{__name__}.image')  # sets mmlite.image itself
    if name == 'image':
        return image
    if name in image.__all__:
        return getattr(image, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
