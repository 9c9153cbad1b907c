"""``mmcv.cnn.utils.fuse_conv_bn``, the mmcv module path: the names it had, re-exported."""
from ..fuse_conv_bn import fuse_conv_bn

__all__ = ['fuse_conv_bn']
