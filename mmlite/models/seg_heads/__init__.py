"""Semantic and panoptic heads (mmdet.models.seg_heads names)."""
from .base_semantic_head import BaseSemanticHead
from .panoptic_fpn_head import PanopticFPNHead
from .panoptic_fusion_heads import BasePanopticFusionHead, HeuristicFusionHead, MaskFormerFusionHead

__all__ = ['BaseSemanticHead', 'PanopticFPNHead', 'BasePanopticFusionHead', 'HeuristicFusionHead',
           'MaskFormerFusionHead']
