"""``mmdet.models.dense_heads.ascend_ssd_head``, the mmdet module path: the names it had, re-exported."""
from .ascend_heads import AscendSSDHead

__all__ = ['AscendSSDHead']
