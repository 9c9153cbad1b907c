"""``mmdet.core.bbox.assigners.atss_assigner``, the mmdet module path: the names it had, re-exported."""
from ..atss_assigner import ATSSAssigner

__all__ = ['ATSSAssigner']
