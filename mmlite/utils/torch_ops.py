"""``mmcv.utils.torch_ops``, the mmcv module path: the names it had, re-exported."""
from .parrots_wrapper import torch_meshgrid

__all__ = ['torch_meshgrid']
