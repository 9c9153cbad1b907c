"""``mmdet.core.bbox.samplers.base_sampler``, the mmdet module path: the names it had, re-exported."""
from ..sample import BaseSampler

__all__ = ['BaseSampler']
