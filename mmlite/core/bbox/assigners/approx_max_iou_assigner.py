"""``mmdet.core.bbox.assigners.approx_max_iou_assigner``, the mmdet module path: the names it had, re-exported."""
from ..approx_max_iou_assigner import ApproxMaxIoUAssigner

__all__ = ['ApproxMaxIoUAssigner']
