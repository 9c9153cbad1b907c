"""``mmdet.models.detectors.mask_rcnn``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import MaskRCNN

__all__ = ['MaskRCNN']
