"""``mmcv.cnn.bricks.conv_module``, the mmcv module path: the names it had, re-exported."""
from ..conv_module import ConvModule

__all__ = ['ConvModule']
