"""``mmdet.core.bbox.coder.base_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..box_coders import BaseBBoxCoder

__all__ = ['BaseBBoxCoder']
