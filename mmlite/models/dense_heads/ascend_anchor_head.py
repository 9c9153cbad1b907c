"""``mmdet.models.dense_heads.ascend_anchor_head``, the mmdet module path: the names it had, re-exported."""
from .ascend_heads import AscendAnchorHead

__all__ = ['AscendAnchorHead']
