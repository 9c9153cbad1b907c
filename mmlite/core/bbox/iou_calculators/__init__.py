"""``mmdet.core.bbox.iou_calculators``, the mmdet package path: the names it had, re-exported."""
from ..builder import build_iou_calculator
from ..iou import BboxOverlaps2D, bbox_overlaps

__all__ = ['BboxOverlaps2D', 'bbox_overlaps', 'build_iou_calculator']
