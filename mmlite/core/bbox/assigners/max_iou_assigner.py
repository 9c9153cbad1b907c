"""``mmdet.core.bbox.assigners.max_iou_assigner``, the mmdet module path: the names it had, re-exported."""
from ..assign import MaxIoUAssigner

__all__ = ['MaxIoUAssigner']
