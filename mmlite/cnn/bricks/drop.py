"""``mmcv.cnn.bricks.drop``, the mmcv module path: the names it had, re-exported."""
from ..drop import Dropout, DropPath, build_dropout, drop_path

__all__ = ['DropPath', 'Dropout', 'build_dropout', 'drop_path']
