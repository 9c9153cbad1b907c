"""``mmdet.core.bbox.samplers.iou_balanced_neg_sampler``, the mmdet module path: the names it had, re-exported."""
from ..balanced_samplers import IoUBalancedNegSampler

__all__ = ['IoUBalancedNegSampler']
