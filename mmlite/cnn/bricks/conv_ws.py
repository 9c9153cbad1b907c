"""``mmcv.cnn.bricks.conv_ws``, the mmcv module path: the names it had, re-exported."""
from ..conv_ws import ConvAWS2d, ConvWS2d, conv_ws_2d

__all__ = ['ConvAWS2d', 'ConvWS2d', 'conv_ws_2d']
