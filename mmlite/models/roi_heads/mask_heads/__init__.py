"""Mask heads with mmdet names."""
from .fcn_mask_head import FCNMaskHead

__all__ = ['FCNMaskHead']
