"""``mmdet.core.bbox.coder.delta_xywh_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..box_coders import DeltaXYWHBBoxCoder, bbox2delta, delta2bbox

__all__ = ['DeltaXYWHBBoxCoder', 'bbox2delta', 'delta2bbox']
