"""``mmdet.core.bbox.samplers.random_sampler``, the mmdet module path: the names it had, re-exported."""
from ..sample import RandomSampler

__all__ = ['RandomSampler']
