"""``mmdet.models.dense_heads.ascend_retina_head``, the mmdet module path: the names it had, re-exported."""
from .ascend_heads import AscendRetinaHead

__all__ = ['AscendRetinaHead']
