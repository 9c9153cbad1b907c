"""``mmcv.cnn.bricks.conv``, the mmcv module path: the names it had, re-exported."""
from ..layer_builders import build_conv_layer

__all__ = ['build_conv_layer']
