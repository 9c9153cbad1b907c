"""``mmdet.core.bbox.samplers.combined_sampler``, the mmdet module path: the names it had, re-exported."""
from ..balanced_samplers import CombinedSampler

__all__ = ['CombinedSampler']
