"""``mmcv.cnn.bricks.scale``, the mmcv module path: the names it had, re-exported."""
from ..layers import Scale

__all__ = ['Scale']
