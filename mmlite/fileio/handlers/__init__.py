"""``mmcv.fileio.handlers``, the mmcv package path: the names it had, re-exported."""
from ...utils.file_handlers import BaseFileHandler, JsonHandler, PickleHandler, YamlHandler

__all__ = ['BaseFileHandler', 'JsonHandler', 'PickleHandler', 'YamlHandler']
