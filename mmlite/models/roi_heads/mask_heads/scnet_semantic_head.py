"""``mmdet.models.roi_heads.mask_heads.scnet_semantic_head``, the mmdet module path: the names it had, re-exported."""
from .scnet_heads import SCNetSemanticHead

__all__ = ['SCNetSemanticHead']
