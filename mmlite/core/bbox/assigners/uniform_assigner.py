"""``mmdet.core.bbox.assigners.uniform_assigner``, the mmdet module path: the names it had, re-exported."""
from ..uniform_assigner import UniformAssigner

__all__ = ['UniformAssigner']
