"""``mmcv.runner.hooks.logger.clearml``, the mmcv module path: the names it had, re-exported."""
from .third_party import ClearMLLoggerHook

__all__ = ['ClearMLLoggerHook']
