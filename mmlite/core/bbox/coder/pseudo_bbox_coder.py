"""``mmdet.core.bbox.coder.pseudo_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..box_coders import PseudoBBoxCoder

__all__ = ['PseudoBBoxCoder']
