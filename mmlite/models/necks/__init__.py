"""Necks with mmdet names."""
from .bfp import BFP
from .fpn import FPN

__all__ = ['FPN', 'BFP']
