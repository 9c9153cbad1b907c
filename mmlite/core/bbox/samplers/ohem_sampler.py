"""``mmdet.core.bbox.samplers.ohem_sampler``, the mmdet module path: the names it had, re-exported."""
from ..ohem_sampler import OHEMSampler

__all__ = ['OHEMSampler']
