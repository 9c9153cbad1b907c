"""Detection ops with mmcv.ops names, on torchvision's compiled kernels (no extension of ours)."""
from ..utils.ext_check import check_torchvision_ops

check_torchvision_ops()

from .bbox import bbox_overlaps  # noqa: E402
from .carafe import CARAFE, CARAFENaive, CARAFEPack, carafe, carafe_naive  # noqa: E402
from .corner_pool import CornerPool  # noqa: E402
from .deform_conv import (DeformConv2d, DeformConv2dPack, ModulatedDeformConv2d,  # noqa: E402
                          ModulatedDeformConv2dPack, deform_conv2d, modulated_deform_conv2d)
from .deform_roi_pool import DeformRoIPool, DeformRoIPoolPack, ModulatedDeformRoIPoolPack, deform_roi_pool  # noqa: E402
from .focal_loss import SigmoidFocalLoss, SoftmaxFocalLoss, sigmoid_focal_loss, softmax_focal_loss  # noqa: E402
from .masked_conv import MaskedConv2d, masked_conv2d  # noqa: E402
from .merge_cells import BaseMergeCell, ConcatCell, GlobalPoolingCell, SumCell  # noqa: E402
from .multi_scale_deform_attn import MultiScaleDeformableAttention, multi_scale_deformable_attn_pytorch  # noqa: E402
from .nms import batched_nms, nms, nms_match  # noqa: E402
from .point_sample import (SimpleRoIAlign, point_sample, rel_roi_point_to_abs_img_point,  # noqa: E402
                           rel_roi_point_to_rel_img_point)
from .roi_align import RoIAlign, roi_align  # noqa: E402
from .roi_pool import RoIPool, roi_pool  # noqa: E402
from .saconv import SAConv2d  # noqa: E402
from .soft_nms import soft_nms  # noqa: E402

__all__ = ['SAConv2d', 'nms', 'batched_nms', 'soft_nms', 'RoIAlign', 'roi_align', 'DeformConv2d', 'DeformConv2dPack',
           'ModulatedDeformConv2d', 'ModulatedDeformConv2dPack', 'deform_conv2d', 'modulated_deform_conv2d',
           'MaskedConv2d', 'masked_conv2d', 'nms_match',
           'BaseMergeCell', 'SumCell', 'ConcatCell', 'GlobalPoolingCell', 'SimpleRoIAlign', 'point_sample',
           'rel_roi_point_to_abs_img_point', 'rel_roi_point_to_rel_img_point', 'CARAFE', 'CARAFENaive', 'CARAFEPack',
           'carafe', 'carafe_naive', 'CornerPool', 'MultiScaleDeformableAttention',
           'multi_scale_deformable_attn_pytorch', 'DeformRoIPool', 'DeformRoIPoolPack',
           'ModulatedDeformRoIPoolPack', 'deform_roi_pool', 'RoIPool', 'roi_pool', 'bbox_overlaps', 'SigmoidFocalLoss',
           'SoftmaxFocalLoss', 'sigmoid_focal_loss', 'softmax_focal_loss']
