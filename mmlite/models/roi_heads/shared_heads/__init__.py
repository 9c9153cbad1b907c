"""Shared heads (run on the pooled RoI features of both branches) with mmdet names."""
from .res_layer import ResLayer

__all__ = ['ResLayer']
