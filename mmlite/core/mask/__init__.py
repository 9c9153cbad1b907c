"""Instance mask structures and helpers (mmdet.core.mask names)."""
from .mask_target import mask_target
from .structures import BaseInstanceMasks, BitmapMasks, PolygonMasks, polygon_to_bitmap
from .utils import encode_mask_results, mask2bbox

__all__ = ['BaseInstanceMasks', 'BitmapMasks', 'PolygonMasks', 'polygon_to_bitmap',
           'encode_mask_results', 'mask_target', 'mask2bbox']
