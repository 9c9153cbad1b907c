"""``mmcv.visualization.color``, the mmcv module path: the names it had, re-exported."""
from ..image.color import Color, color_val

__all__ = ['Color', 'color_val']
