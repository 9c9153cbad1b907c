"""``mmdet.core.bbox.iou_calculators.iou2d_calculator``, the mmdet module path: the names it had, re-exported."""
from ....runner.fp16_utils import cast_tensor_type
from ..iou import BboxOverlaps2D, bbox_overlaps

__all__ = ['BboxOverlaps2D', 'bbox_overlaps', 'cast_tensor_type']
