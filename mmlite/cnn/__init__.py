"""CNN building blocks with mmcv.cnn names (ConvModule, layer builders, plugins, weight init)."""
from ..runner.weight_init import (INITIALIZERS, Caffe2XavierInit, ConstantInit, KaimingInit, NormalInit, PretrainedInit,
                                  TruncNormalInit, UniformInit, XavierInit, bias_init_with_prob, caffe2_xavier_init,
                                  constant_init, initialize, kaiming_init, normal_init, trunc_normal_init, uniform_init,
                                  xavier_init)
from .activations import Clamp, HSigmoid, HSwish, Swish
from .builder import MODELS, build_model_from_cfg
from .context_block import ContextBlock
from .conv_module import ConvModule
from .conv_ws import ConvAWS2d, ConvWS2d, conv_ws_2d
from .depthwise_separable_conv_module import DepthwiseSeparableConvModule
from .drop import DROPOUT_LAYERS, Dropout, DropPath, build_dropout, drop_path
from .flops_counter import flops_to_string, get_model_complexity_info, params_to_string
from .fuse_conv_bn import fuse_conv_bn
from .generalized_attention import GeneralizedAttention
from .layer_builders import (ACTIVATION_LAYERS, CONV_LAYERS, LINEAR_LAYERS, NORM_LAYERS, UPSAMPLE_LAYERS,
                             build_activation_layer, build_conv_layer, build_linear_layer, build_norm_layer,
                             build_upsample_layer)
from .layers import (PADDING_LAYERS, Conv2d, Conv2dAdaptivePadding, Conv3d, ConvTranspose2d, ConvTranspose3d, Linear,
                     MaxPool2d, MaxPool3d, PixelShufflePack, Scale, build_padding_layer, is_norm)
from .non_local import NonLocal1d, NonLocal2d, NonLocal3d
from .plugin import PLUGIN_LAYERS, build_plugin_layer, infer_abbr
from .transformer import FFN, AdaptivePadding, MultiheadAttention, PatchEmbed, PatchMerging, nchw_to_nlc, nlc_to_nchw
from .transformer_layers import (ATTENTION, FEEDFORWARD_NETWORK, POSITIONAL_ENCODING, TRANSFORMER_LAYER,
                                 TRANSFORMER_LAYER_SEQUENCE, BaseTransformerLayer, TransformerLayerSequence,
                                 build_attention, build_feedforward_network, build_positional_encoding,
                                 build_transformer_layer, build_transformer_layer_sequence)
from .vgg import VGG, make_vgg_layer

__all__ = [
    'GeneralizedAttention', 'ATTENTION', 'FEEDFORWARD_NETWORK', 'POSITIONAL_ENCODING', 'TRANSFORMER_LAYER',
    'TRANSFORMER_LAYER_SEQUENCE', 'BaseTransformerLayer', 'TransformerLayerSequence', 'build_attention',
    'build_feedforward_network', 'build_positional_encoding', 'build_transformer_layer',
    'build_transformer_layer_sequence',
    'VGG', 'make_vgg_layer', 'DROPOUT_LAYERS', 'Dropout', 'DropPath', 'build_dropout', 'drop_path', 'FFN',
    'AdaptivePadding',
    'MultiheadAttention', 'PatchEmbed', 'PatchMerging', 'nchw_to_nlc', 'nlc_to_nchw',
    'ConvModule', 'DepthwiseSeparableConvModule', 'fuse_conv_bn', 'CONV_LAYERS', 'NORM_LAYERS', 'ACTIVATION_LAYERS',
    'UPSAMPLE_LAYERS', 'LINEAR_LAYERS', 'PADDING_LAYERS', 'PLUGIN_LAYERS', 'MODELS', 'build_conv_layer',
    'build_norm_layer', 'build_activation_layer', 'build_upsample_layer', 'build_linear_layer',
    'build_padding_layer', 'build_plugin_layer', 'build_model_from_cfg', 'infer_abbr', 'is_norm', 'Scale',
    'HSigmoid', 'HSwish', 'Swish', 'Clamp', 'ConvWS2d', 'ConvAWS2d', 'conv_ws_2d', 'Conv2dAdaptivePadding',
    'PixelShufflePack', 'ContextBlock', 'NonLocal1d', 'NonLocal2d', 'NonLocal3d', 'Conv2d', 'Conv3d',
    'ConvTranspose2d', 'ConvTranspose3d', 'Linear', 'MaxPool2d', 'MaxPool3d', 'INITIALIZERS', 'initialize',
    'constant_init', 'kaiming_init', 'normal_init', 'xavier_init', 'uniform_init', 'trunc_normal_init',
    'caffe2_xavier_init', 'bias_init_with_prob', 'ConstantInit', 'XavierInit', 'NormalInit', 'TruncNormalInit',
    'UniformInit', 'KaimingInit', 'Caffe2XavierInit', 'PretrainedInit', 'get_model_complexity_info',
    'flops_to_string', 'params_to_string'
]
