"""``mmcv.cnn.bricks.hsigmoid``, the mmcv module path: the names it had, re-exported."""
from ..activations import HSigmoid

__all__ = ['HSigmoid']
