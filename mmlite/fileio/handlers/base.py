"""``mmcv.fileio.handlers.base``, the mmcv module path: the names it had, re-exported."""
from ...utils.file_handlers import BaseFileHandler

__all__ = ['BaseFileHandler']
