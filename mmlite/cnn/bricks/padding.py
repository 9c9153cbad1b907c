"""``mmcv.cnn.bricks.padding``, the mmcv module path: the names it had, re-exported."""
from ..layers import build_padding_layer

__all__ = ['build_padding_layer']
