"""``mmcv.cnn.bricks.wrappers``, the mmcv module path: the names it had, re-exported."""
from ..layers import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d, Linear, MaxPool2d, MaxPool3d

__all__ = ['Conv2d', 'Conv3d', 'ConvTranspose2d', 'ConvTranspose3d', 'Linear', 'MaxPool2d', 'MaxPool3d']
