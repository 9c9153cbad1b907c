"""``mmdet.core.bbox.coder.distance_point_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..box_coders import DistancePointBBoxCoder

__all__ = ['DistancePointBBoxCoder']
