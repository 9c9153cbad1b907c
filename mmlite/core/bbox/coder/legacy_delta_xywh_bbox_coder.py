"""``mmdet.core.bbox.coder.legacy_delta_xywh_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..legacy_coder import LegacyDeltaXYWHBBoxCoder, legacy_bbox2delta, legacy_delta2bbox

__all__ = ['LegacyDeltaXYWHBBoxCoder', 'legacy_bbox2delta', 'legacy_delta2bbox']
