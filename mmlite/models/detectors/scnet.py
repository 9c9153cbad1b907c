"""``mmdet.models.detectors.scnet``, the mmdet module path: the names it had, re-exported."""
from .cascade_rcnn import SCNet

__all__ = ['SCNet']
