"""``mmcv.ops.modulated_deform_conv``, the mmcv module path: modulated deformable convolution
(DCNv2), defined with the other deformable convolutions in :mod:`mmlite.ops.deform_conv`."""
from .deform_conv import ModulatedDeformConv2d, ModulatedDeformConv2dPack, modulated_deform_conv2d

__all__ = ['ModulatedDeformConv2d', 'ModulatedDeformConv2dPack', 'modulated_deform_conv2d']
