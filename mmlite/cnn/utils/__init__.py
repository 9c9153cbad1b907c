"""``mmcv.cnn.utils``, the mmcv package path: the names it had, re-exported."""
from ...runner.weight_init import (INITIALIZERS, Caffe2XavierInit, ConstantInit, KaimingInit, NormalInit,
                                   PretrainedInit, TruncNormalInit, UniformInit, XavierInit, bias_init_with_prob,
                                   caffe2_xavier_init, constant_init, initialize, kaiming_init, normal_init,
                                   trunc_normal_init, uniform_init, xavier_init)
from ..flops_counter import get_model_complexity_info
from ..fuse_conv_bn import fuse_conv_bn
from .sync_bn import revert_sync_batchnorm

__all__ = [
    'Caffe2XavierInit', 'ConstantInit', 'INITIALIZERS', 'KaimingInit', 'NormalInit', 'PretrainedInit',
    'TruncNormalInit', 'UniformInit', 'XavierInit', 'bias_init_with_prob', 'caffe2_xavier_init', 'constant_init',
    'fuse_conv_bn', 'get_model_complexity_info', 'initialize', 'kaiming_init', 'normal_init',
    'revert_sync_batchnorm', 'trunc_normal_init', 'uniform_init', 'xavier_init'
]
