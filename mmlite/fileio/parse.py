"""``mmcv.fileio.parse``, the mmcv module path: the names it had, re-exported."""
from ..utils.fileio import dict_from_file, list_from_file

__all__ = ['dict_from_file', 'list_from_file']
