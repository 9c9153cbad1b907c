"""``mmcv.cnn.bricks.conv2d_adaptive_padding``, the mmcv module path: the names it had, re-exported."""
from ..layers import Conv2dAdaptivePadding

__all__ = ['Conv2dAdaptivePadding']
