"""``mmdet.models.roi_heads.mask_heads.global_context_head``, the mmdet module path: the names it had, re-exported."""
from .scnet_heads import GlobalContextHead

__all__ = ['GlobalContextHead']
