"""``mmdet.models.detectors.ddod``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import DDOD

__all__ = ['DDOD']
