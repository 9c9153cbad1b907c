"""``mmcv.cnn.bricks.depthwise_separable_conv_module``, the mmcv module path: the names it had, re-exported."""
from ..depthwise_separable_conv_module import DepthwiseSeparableConvModule

__all__ = ['DepthwiseSeparableConvModule']
