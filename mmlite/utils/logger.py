"""``mmdet.utils.logger``, the mmdet module path: the names it had, re-exported."""
from .logging import get_root_logger

__all__ = ['get_root_logger']
