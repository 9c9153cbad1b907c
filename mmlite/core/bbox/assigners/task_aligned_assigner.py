"""``mmdet.core.bbox.assigners.task_aligned_assigner``, the mmdet module path: the names it had, re-exported."""
from ..atss_assigner import INF
from ..task_aligned_assigner import TaskAlignedAssigner

__all__ = ['INF', 'TaskAlignedAssigner']
