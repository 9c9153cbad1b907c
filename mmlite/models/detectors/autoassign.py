"""``mmdet.models.detectors.autoassign``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import AutoAssign

__all__ = ['AutoAssign']
