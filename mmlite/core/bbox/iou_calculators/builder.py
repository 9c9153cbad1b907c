"""``mmdet.core.bbox.iou_calculators.builder``, the mmdet module path: the names it had, re-exported."""
from ..builder import IOU_CALCULATORS, build_iou_calculator

__all__ = ['IOU_CALCULATORS', 'build_iou_calculator']
