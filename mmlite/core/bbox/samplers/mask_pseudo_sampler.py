"""``mmdet.core.bbox.samplers.mask_pseudo_sampler``, the mmdet module path: the names it had, re-exported."""
from ..mask_hungarian_assigner import MaskPseudoSampler

__all__ = ['MaskPseudoSampler']
