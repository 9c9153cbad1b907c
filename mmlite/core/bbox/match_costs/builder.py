"""``mmdet.core.bbox.match_costs.builder``, the mmdet module path: the names it had, re-exported."""
from ..builder import MATCH_COST, build_match_cost

__all__ = ['MATCH_COST', 'build_match_cost']
