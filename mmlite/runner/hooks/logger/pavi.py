"""``mmcv.runner.hooks.logger.pavi``, the mmcv module path: the names it had, re-exported."""
from .third_party import PaviLoggerHook

__all__ = ['PaviLoggerHook']
