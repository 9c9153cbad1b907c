"""``mmcv.cnn.bricks``, the mmcv package path: the layers and builders it exported, re-exported."""
from ..activations import HSigmoid, HSwish, Swish
from ..context_block import ContextBlock
from ..conv_module import ConvModule
from ..conv_ws import ConvAWS2d, ConvWS2d, conv_ws_2d
from ..depthwise_separable_conv_module import DepthwiseSeparableConvModule
from ..drop import Dropout, DropPath
from ..generalized_attention import GeneralizedAttention
from ..layer_builders import (ACTIVATION_LAYERS, CONV_LAYERS, LINEAR_LAYERS, NORM_LAYERS, UPSAMPLE_LAYERS,
                              build_activation_layer, build_conv_layer, build_linear_layer, build_norm_layer,
                              build_upsample_layer, lookup_layer)
from ..layers import (PADDING_LAYERS, Conv2d, Conv2dAdaptivePadding, Conv3d, ConvTranspose2d, ConvTranspose3d, Linear,
                      MaxPool2d, MaxPool3d, Scale, build_padding_layer, is_norm)
from ..non_local import NonLocal1d, NonLocal2d, NonLocal3d
from ..plugin import PLUGIN_LAYERS, build_plugin_layer

__all__ = [
    'ACTIVATION_LAYERS', 'CONV_LAYERS', 'ContextBlock', 'Conv2d', 'Conv2dAdaptivePadding', 'Conv3d', 'ConvAWS2d',
    'ConvModule', 'ConvTranspose2d', 'ConvTranspose3d', 'ConvWS2d', 'DepthwiseSeparableConvModule', 'DropPath',
    'Dropout', 'GeneralizedAttention', 'HSigmoid', 'HSwish', 'LINEAR_LAYERS', 'Linear', 'MaxPool2d', 'MaxPool3d',
    'NORM_LAYERS', 'NonLocal1d', 'NonLocal2d', 'NonLocal3d', 'PADDING_LAYERS', 'PLUGIN_LAYERS', 'Scale', 'Swish',
    'UPSAMPLE_LAYERS', 'build_activation_layer', 'build_conv_layer', 'build_linear_layer', 'build_norm_layer',
    'build_padding_layer', 'build_plugin_layer', 'build_upsample_layer', 'conv_ws_2d', 'is_norm', 'lookup_layer'
]
