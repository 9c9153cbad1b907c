"""Building blocks of mmdet's backbones and heads (mmdet.models.utils names)."""
from .inverted_residual import DropPath, InvertedResidual, SELayer, make_divisible

__all__ = ['make_divisible', 'InvertedResidual', 'SELayer', 'DropPath']
