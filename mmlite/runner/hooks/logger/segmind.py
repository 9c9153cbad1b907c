"""``mmcv.runner.hooks.logger.segmind``, the mmcv module path: the names it had, re-exported."""
from .third_party import SegmindLoggerHook

__all__ = ['SegmindLoggerHook']
