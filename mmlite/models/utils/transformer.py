"""``mmdet.models.utils.transformer``, the mmdet module path: the names it had, re-exported."""
from ...cnn.transformer import AdaptivePadding, PatchEmbed, PatchMerging, nchw_to_nlc, nlc_to_nchw
from .deformable_detr_transformer import DeformableDetrTransformer, DeformableDetrTransformerDecoder
from .detr_transformer import (DetrTransformerDecoder, DetrTransformerDecoderLayer, DetrTransformerEncoder, Transformer,
                               inverse_sigmoid)
from .dynamic_conv import DynamicConv

__all__ = [
    'AdaptivePadding', 'DeformableDetrTransformer', 'DeformableDetrTransformerDecoder', 'DetrTransformerDecoder',
    'DetrTransformerDecoderLayer', 'DetrTransformerEncoder', 'DynamicConv', 'PatchEmbed', 'PatchMerging',
    'Transformer', 'inverse_sigmoid', 'nchw_to_nlc', 'nlc_to_nchw'
]
