"""``mmcv.fileio.io``, the mmcv module path: the names it had, re-exported."""
from ..utils.file_handlers import file_handlers, register_handler
from ..utils.fileio import dump, load

__all__ = ['dump', 'file_handlers', 'load', 'register_handler']
