"""Second-stage (RoI) heads with mmdet names."""
from .base_roi_head import BaseRoIHead
from .bbox_heads import (BBoxHead, ConvFCBBoxHead, DIIHead, DoubleConvFCBBoxHead, SABLHead, Shared2FCBBoxHead,
                         Shared4Conv1FCBBoxHead)
from .bbox_heads.scnet_bbox_head import SCNetBBoxHead
from .cascade_roi_head import CascadeRoIHead
from .double_roi_head import DoubleHeadRoIHead
from .dynamic_roi_head import DynamicRoIHead
from .grid_roi_head import GridRoIHead
from .htc_roi_head import HybridTaskCascadeRoIHead
from .mask_heads import (CoarseMaskHead, FCNMaskHead, FusedSemanticHead, GridHead, HTCMaskHead, MaskIoUHead,
                         MaskPointHead)
from .mask_heads.scnet_heads import FeatureRelayHead, GlobalContextHead, SCNetMaskHead, SCNetSemanticHead
from .mask_scoring_roi_head import MaskScoringRoIHead
from .pisa_roi_head import PISARoIHead
from .point_rend_roi_head import PointRendRoIHead
from .roi_extractors import BaseRoIExtractor, GenericRoIExtractor, SingleRoIExtractor
from .scnet_roi_head import SCNetRoIHead
from .shared_heads import ResLayer
from .sparse_roi_head import SparseRoIHead
from .standard_roi_head import StandardRoIHead
from .trident_roi_head import TridentRoIHead

__all__ = [
    'TridentRoIHead', 'BaseRoIHead', 'StandardRoIHead', 'CascadeRoIHead', 'BBoxHead', 'ConvFCBBoxHead',
    'Shared2FCBBoxHead', 'Shared4Conv1FCBBoxHead', 'FCNMaskHead', 'MaskIoUHead', 'MaskScoringRoIHead',
    'BaseRoIExtractor', 'SingleRoIExtractor', 'HybridTaskCascadeRoIHead', 'HTCMaskHead', 'FusedSemanticHead',
    'ResLayer', 'GenericRoIExtractor', 'GridRoIHead', 'GridHead', 'PISARoIHead', 'SABLHead', 'DoubleHeadRoIHead',
    'DoubleConvFCBBoxHead', 'DynamicRoIHead', 'PointRendRoIHead', 'CoarseMaskHead', 'MaskPointHead', 'SCNetRoIHead',
    'SparseRoIHead', 'DIIHead', 'SCNetBBoxHead', 'FeatureRelayHead', 'GlobalContextHead', 'SCNetMaskHead',
    'SCNetSemanticHead'
]
