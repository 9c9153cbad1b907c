"""``mmdet.models.detectors.retinanet``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import RetinaNet

__all__ = ['RetinaNet']
