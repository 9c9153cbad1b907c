"""``mmdet.core.bbox.assigners.mask_hungarian_assigner``, the mmdet module path: the names it had, re-exported."""
from ..mask_hungarian_assigner import MaskHungarianAssigner

__all__ = ['MaskHungarianAssigner']
