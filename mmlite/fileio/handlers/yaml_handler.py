"""``mmcv.fileio.handlers.yaml_handler``, the mmcv module path: the names it had, re-exported."""
from ...utils.file_handlers import YamlHandler

__all__ = ['YamlHandler']
