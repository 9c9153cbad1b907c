"""``mmdet.models.detectors.point_rend``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import PointRend

__all__ = ['PointRend']
