"""Necks with mmdet names."""
from .fpn import FPN

__all__ = ['FPN']
