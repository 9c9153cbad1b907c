"""``mmdet.models.utils.se_layer``, the mmdet module path: the names it had, re-exported."""
from .dyrelu import DyReLU
from .inverted_residual import SELayer

__all__ = ['DyReLU', 'SELayer']
