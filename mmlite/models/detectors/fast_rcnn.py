"""``mmdet.models.detectors.fast_rcnn``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import FastRCNN

__all__ = ['FastRCNN']
