"""``mmdet.models.roi_heads.mask_heads.scnet_mask_head``, the mmdet module path: the names it had, re-exported."""
from .scnet_heads import SCNetMaskHead

__all__ = ['SCNetMaskHead']
