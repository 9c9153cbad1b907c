"""``mmcv.runner.hooks.logger.dvclive``, the mmcv module path: the names it had, re-exported."""
from .third_party import DvcliveLoggerHook

__all__ = ['DvcliveLoggerHook']
