"""``mmcv.cnn.bricks.swish``, the mmcv module path: the names it had, re-exported."""
from ..activations import Swish

__all__ = ['Swish']
