"""``mmdet.core.bbox.assigners.region_assigner``, the mmdet module path: the names it had, re-exported."""
from ..region_assigner import RegionAssigner, anchor_ctr_inside_region_flags, calc_region

__all__ = ['RegionAssigner', 'anchor_ctr_inside_region_flags', 'calc_region']
