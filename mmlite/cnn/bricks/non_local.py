"""``mmcv.cnn.bricks.non_local``, the mmcv module path: the names it had, re-exported."""
from ..non_local import NonLocal1d, NonLocal2d, NonLocal3d

__all__ = ['NonLocal1d', 'NonLocal2d', 'NonLocal3d']
