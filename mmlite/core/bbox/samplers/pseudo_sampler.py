"""``mmdet.core.bbox.samplers.pseudo_sampler``, the mmdet module path: the names it had, re-exported."""
from ..sample import PseudoSampler

__all__ = ['PseudoSampler']
