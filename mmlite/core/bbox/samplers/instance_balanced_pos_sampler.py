"""``mmdet.core.bbox.samplers.instance_balanced_pos_sampler``, the mmdet module path: the names it had, re-exported."""
from ..balanced_samplers import InstanceBalancedPosSampler

__all__ = ['InstanceBalancedPosSampler']
