"""Mask heads with mmdet names."""
from .coarse_mask_head import CoarseMaskHead
from .dynamic_mask_head import DynamicMaskHead
from .fcn_mask_head import FCNMaskHead
from .fused_semantic_head import FusedSemanticHead
from .grid_head import GridHead
from .htc_mask_head import HTCMaskHead
from .mask_point_head import MaskPointHead
from .maskiou_head import MaskIoUHead
from .scnet_heads import FeatureRelayHead, GlobalContextHead, SCNetMaskHead, SCNetSemanticHead

__all__ = ['FCNMaskHead', 'MaskIoUHead', 'HTCMaskHead', 'FusedSemanticHead', 'GridHead', 'CoarseMaskHead',
           'MaskPointHead', 'SCNetMaskHead', 'SCNetSemanticHead', 'FeatureRelayHead', 'GlobalContextHead',
           'DynamicMaskHead']
