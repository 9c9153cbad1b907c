"""``mmcv.cnn.bricks.norm``, the mmcv module path: the names it had, re-exported."""
from ..layer_builders import build_norm_layer
from ..layers import is_norm

__all__ = ['build_norm_layer', 'is_norm']
