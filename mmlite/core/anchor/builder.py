"""``mmdet.core.anchor.builder``, the mmdet module path: the names it had, re-exported."""
from .anchor_generator import ANCHOR_GENERATORS, PRIOR_GENERATORS, build_anchor_generator, build_prior_generator

__all__ = ['ANCHOR_GENERATORS', 'PRIOR_GENERATORS', 'build_anchor_generator', 'build_prior_generator']
