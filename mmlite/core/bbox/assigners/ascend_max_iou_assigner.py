"""``mmdet.core.bbox.assigners.ascend_max_iou_assigner``, the mmdet module path: the names it had, re-exported."""
from ..assign import AscendMaxIoUAssigner

__all__ = ['AscendMaxIoUAssigner']
