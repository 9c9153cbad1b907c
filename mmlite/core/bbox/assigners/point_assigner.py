"""``mmdet.core.bbox.assigners.point_assigner``, the mmdet module path: the names it had, re-exported."""
from ..point_assigner import PointAssigner

__all__ = ['PointAssigner']
