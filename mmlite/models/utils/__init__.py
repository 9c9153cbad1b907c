"""Building blocks of mmdet's backbones and heads (mmdet.models.utils names)."""
from ...cnn import AdaptivePadding, DropPath, PatchEmbed, PatchMerging, build_linear_layer, nchw_to_nlc, nlc_to_nchw
from .brick_wrappers import AdaptiveAvgPool2d, adaptive_avg_pool2d
from .builder import TRANSFORMER, build_transformer
from .ckpt_convert import pvt_convert, swin_converter
from .conv_upsample import ConvUpsample
from .csp_layer import CSPLayer, DarknetBottleneck
from .deformable_detr_transformer import DeformableDetrTransformer, DeformableDetrTransformerDecoder
from .detr_transformer import (DetrTransformerDecoder, DetrTransformerDecoderLayer, DetrTransformerEncoder, Transformer,
                               inverse_sigmoid)
from .dynamic_conv import DynamicConv
from .dyrelu import DyReLU
from .gaussian_target import (draw_gaussian_targets, gather_feat, gaussian2D, gaussian_radius, gen_gaussian_target,
                              get_local_maximum, get_topk_from_heatmap, transpose_and_gather_feat)
from .inverted_residual import InvertedResidual, SELayer, make_divisible
from .misc import interpolate_as, sigmoid_geometric_mean
from .normed_predictor import NormedConv2d, NormedLinear
from .panoptic_gt_processing import preprocess_panoptic_gt
from .point_sample import get_uncertain_point_coords_with_randomness, get_uncertainty
from .positional_encoding import LearnedPositionalEncoding, SinePositionalEncoding
from .res_layer import ResLayer, SimplifiedBasicBlock

__all__ = [
    'CSPLayer', 'DarknetBottleneck', 'make_divisible', 'InvertedResidual', 'SELayer', 'DropPath', 'AdaptivePadding',
    'PatchEmbed', 'PatchMerging', 'nchw_to_nlc', 'nlc_to_nchw', 'swin_converter', 'pvt_convert',
    'sigmoid_geometric_mean', 'gaussian2D', 'gen_gaussian_target', 'gaussian_radius', 'draw_gaussian_targets',
    'DyReLU', 'get_local_maximum', 'get_topk_from_heatmap', 'gather_feat', 'transpose_and_gather_feat',
    'get_uncertainty', 'get_uncertain_point_coords_with_randomness', 'NormedLinear', 'NormedConv2d', 'ResLayer',
    'SimplifiedBasicBlock', 'DynamicConv', 'TRANSFORMER', 'build_transformer', 'Transformer',
    'DetrTransformerDecoderLayer', 'DetrTransformerDecoder', 'DetrTransformerEncoder', 'inverse_sigmoid',
    'SinePositionalEncoding', 'LearnedPositionalEncoding', 'DeformableDetrTransformer',
    'DeformableDetrTransformerDecoder', 'ConvUpsample', 'interpolate_as', 'preprocess_panoptic_gt',
    'build_linear_layer', 'AdaptiveAvgPool2d', 'adaptive_avg_pool2d'
]
