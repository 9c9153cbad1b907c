"""``mmcv.cnn.bricks.hswish``, the mmcv module path: the names it had, re-exported."""
from ..activations import HSwish

__all__ = ['HSwish']
