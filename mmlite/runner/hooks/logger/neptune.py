"""``mmcv.runner.hooks.logger.neptune``, the mmcv module path: the names it had, re-exported."""
from .third_party import NeptuneLoggerHook

__all__ = ['NeptuneLoggerHook']
