"""CNN building blocks with mmcv.cnn names (ConvModule, layer builders, weight init)."""
from ..runner.weight_init import (INITIALIZERS, bias_init_with_prob, caffe2_xavier_init, constant_init, initialize,
                                  kaiming_init, normal_init, trunc_normal_init, uniform_init, xavier_init)
from .bricks import (ACTIVATION_LAYERS, CONV_LAYERS, LINEAR_LAYERS, NORM_LAYERS, UPSAMPLE_LAYERS,
                     build_activation_layer, build_conv_layer, build_linear_layer, build_norm_layer,
                     build_upsample_layer)
from .conv_module import ConvModule
from .fuse_conv_bn import fuse_conv_bn

__all__ = [
    'ConvModule', 'fuse_conv_bn', 'CONV_LAYERS', 'NORM_LAYERS', 'ACTIVATION_LAYERS', 'UPSAMPLE_LAYERS', 'LINEAR_LAYERS',
    'build_conv_layer', 'build_norm_layer', 'build_activation_layer', 'build_upsample_layer',
    'build_linear_layer', 'INITIALIZERS', 'initialize', 'constant_init', 'kaiming_init', 'normal_init',
    'xavier_init', 'uniform_init', 'trunc_normal_init', 'caffe2_xavier_init', 'bias_init_with_prob'
]
