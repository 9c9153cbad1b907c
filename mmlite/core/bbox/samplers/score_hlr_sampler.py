"""``mmdet.core.bbox.samplers.score_hlr_sampler``, the mmdet module path: the names it had, re-exported."""
from ..score_hlr_sampler import ScoreHLRSampler

__all__ = ['ScoreHLRSampler']
