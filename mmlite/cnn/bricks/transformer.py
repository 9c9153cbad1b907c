"""``mmcv.cnn.bricks.transformer``, the mmcv module path: the names it had, re-exported."""
from ..transformer import FFN, AdaptivePadding, MultiheadAttention, PatchEmbed, PatchMerging
from ..transformer_layers import (BaseTransformerLayer, TransformerLayerSequence, build_attention,
                                  build_feedforward_network, build_positional_encoding, build_transformer_layer,
                                  build_transformer_layer_sequence)

__all__ = [
    'AdaptivePadding', 'BaseTransformerLayer', 'FFN', 'MultiheadAttention', 'PatchEmbed', 'PatchMerging',
    'TransformerLayerSequence', 'build_attention', 'build_feedforward_network', 'build_positional_encoding',
    'build_transformer_layer', 'build_transformer_layer_sequence'
]
