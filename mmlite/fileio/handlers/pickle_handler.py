"""``mmcv.fileio.handlers.pickle_handler``, the mmcv module path: the names it had, re-exported."""
from ...utils.file_handlers import PickleHandler

__all__ = ['PickleHandler']
