"""``mmdet.core.bbox.assigners.hungarian_assigner``, the mmdet module path: the names it had, re-exported."""
from ..hungarian_assigner import HungarianAssigner

__all__ = ['HungarianAssigner']
