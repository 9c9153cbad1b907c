"""``mmcv.fileio.handlers.json_handler``, the mmcv module path: the names it had, re-exported."""
from ...utils.file_handlers import JsonHandler, set_default

__all__ = ['JsonHandler', 'set_default']
