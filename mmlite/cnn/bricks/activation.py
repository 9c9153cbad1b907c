"""``mmcv.cnn.bricks.activation``, the mmcv module path: the names it had, re-exported."""
from ..activations import Clamp
from ..layer_builders import build_activation_layer

__all__ = ['Clamp', 'build_activation_layer']
