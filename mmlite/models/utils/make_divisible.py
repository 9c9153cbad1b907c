"""``mmdet.models.utils.make_divisible``, the mmdet module path: the names it had, re-exported."""
from .inverted_residual import make_divisible

__all__ = ['make_divisible']
