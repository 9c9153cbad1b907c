"""``mmdet.core.bbox.assigners.center_region_assigner``, the mmdet module path: the names it had, re-exported."""
from ..center_region_assigner import CenterRegionAssigner, bboxes_area, is_located_in, scale_boxes

__all__ = ['CenterRegionAssigner', 'bboxes_area', 'is_located_in', 'scale_boxes']
