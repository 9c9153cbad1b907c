"""``mmcv.runner.default_constructor``, the mmcv module path: the names it had, re-exported."""
from .builder import DefaultRunnerConstructor

__all__ = ['DefaultRunnerConstructor']
