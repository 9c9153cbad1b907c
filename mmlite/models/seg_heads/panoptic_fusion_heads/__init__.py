"""Panoptic fusion heads (mmdet.models.seg_heads.panoptic_fusion_heads names)."""
from .base_panoptic_fusion_head import BasePanopticFusionHead
from .heuristic_fusion_head import HeuristicFusionHead
from .maskformer_fusion_head import MaskFormerFusionHead

__all__ = ['BasePanopticFusionHead', 'HeuristicFusionHead', 'MaskFormerFusionHead']
