"""``mmdet.core.bbox.assigners.base_assigner``, the mmdet module path: the names it had, re-exported."""
from ..assign import BaseAssigner

__all__ = ['BaseAssigner']
