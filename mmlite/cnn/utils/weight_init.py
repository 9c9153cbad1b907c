"""``mmcv.cnn.utils.weight_init``, the mmcv module path: the names it had, re-exported."""
from ...runner.weight_init import (INITIALIZERS, BaseInit, Caffe2XavierInit, ConstantInit, KaimingInit, NormalInit,
                                   PretrainedInit, TruncNormalInit, UniformInit, XavierInit, bias_init_with_prob,
                                   caffe2_xavier_init, constant_init, initialize, kaiming_init, normal_init,
                                   trunc_normal_init, uniform_init, xavier_init)

__all__ = [
    'BaseInit', 'Caffe2XavierInit', 'ConstantInit', 'INITIALIZERS', 'KaimingInit', 'NormalInit', 'PretrainedInit',
    'TruncNormalInit', 'UniformInit', 'XavierInit', 'bias_init_with_prob', 'caffe2_xavier_init', 'constant_init',
    'initialize', 'kaiming_init', 'normal_init', 'trunc_normal_init', 'uniform_init', 'xavier_init'
]
