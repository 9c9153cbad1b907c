"""``mmdet.models.detectors.queryinst``, the mmdet module path: the names it had, re-exported."""
from .sparse_rcnn import QueryInst

__all__ = ['QueryInst']
