"""Losses with mmdet names."""
from .accuracy import Accuracy, accuracy
from .ae_loss import AssociativeEmbeddingLoss, ae_loss_per_image
from .cross_entropy_loss import CrossEntropyLoss, binary_cross_entropy, cross_entropy, mask_cross_entropy
from .dice_loss import DiceLoss, dice_loss
from .extra_regression_losses import (BalancedL1Loss, BoundedIoULoss, CIoULoss, DIoULoss, MSELoss, balanced_l1_loss,
                                      bounded_iou_loss, ciou_loss, diou_loss, mse_loss)
from .focal_loss import FocalLoss, sigmoid_focal_loss
from .gaussian_focal_loss import GaussianFocalLoss, gaussian_focal_loss
from .gfocal_loss import (DistributionFocalLoss, QualityFocalLoss, distribution_focal_loss, quality_focal_loss,
                          quality_focal_loss_with_prob)
from .ghm_loss import GHMC, GHMR
from .kd_loss import KnowledgeDistillationKLDivLoss, knowledge_distillation_kl_div_loss
from .pisa_loss import carl_loss, isr_p
from .regression_losses import GIoULoss, IoULoss, L1Loss, SmoothL1Loss, giou_loss, iou_loss, l1_loss, smooth_l1_loss
from .seesaw_loss import SeesawLoss, seesaw_ce_loss
from .utils import reduce_loss, weight_reduce_loss, weighted_loss
from .varifocal_loss import VarifocalLoss, varifocal_loss

__all__ = [
    'isr_p', 'carl_loss', 'SeesawLoss', 'seesaw_ce_loss', 'AssociativeEmbeddingLoss', 'ae_loss_per_image',
    'CrossEntropyLoss', 'binary_cross_entropy', 'cross_entropy', 'mask_cross_entropy', 'FocalLoss',
    'sigmoid_focal_loss', 'Accuracy', 'GIoULoss', 'IoULoss', 'L1Loss', 'SmoothL1Loss', 'accuracy',
    'giou_loss', 'iou_loss', 'l1_loss', 'smooth_l1_loss', 'reduce_loss', 'weight_reduce_loss',
    'weighted_loss', 'DIoULoss', 'CIoULoss', 'BoundedIoULoss', 'BalancedL1Loss', 'MSELoss', 'diou_loss',
    'ciou_loss', 'bounded_iou_loss', 'balanced_l1_loss', 'mse_loss', 'QualityFocalLoss', 'DistributionFocalLoss',
    'quality_focal_loss', 'quality_focal_loss_with_prob', 'distribution_focal_loss', 'GHMC', 'GHMR',
    'VarifocalLoss', 'varifocal_loss', 'GaussianFocalLoss', 'gaussian_focal_loss',
    'KnowledgeDistillationKLDivLoss', 'knowledge_distillation_kl_div_loss', 'DiceLoss', 'dice_loss'
]
