"""``mmcv.cnn.bricks.registry``, the mmcv module path: the names it had, re-exported."""
from ..drop import DROPOUT_LAYERS
from ..layer_builders import ACTIVATION_LAYERS, CONV_LAYERS, NORM_LAYERS, UPSAMPLE_LAYERS
from ..layers import PADDING_LAYERS
from ..plugin import PLUGIN_LAYERS
from ..transformer_layers import (ATTENTION, FEEDFORWARD_NETWORK, POSITIONAL_ENCODING, TRANSFORMER_LAYER,
                                  TRANSFORMER_LAYER_SEQUENCE)

__all__ = [
    'ACTIVATION_LAYERS', 'ATTENTION', 'CONV_LAYERS', 'DROPOUT_LAYERS', 'FEEDFORWARD_NETWORK', 'NORM_LAYERS',
    'PADDING_LAYERS', 'PLUGIN_LAYERS', 'POSITIONAL_ENCODING', 'TRANSFORMER_LAYER', 'TRANSFORMER_LAYER_SEQUENCE',
    'UPSAMPLE_LAYERS'
]
