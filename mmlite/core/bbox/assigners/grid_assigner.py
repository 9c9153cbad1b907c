"""``mmdet.core.bbox.assigners.grid_assigner``, the mmdet module path: the names it had, re-exported."""
from ..grid_assigner import GridAssigner

__all__ = ['GridAssigner']
