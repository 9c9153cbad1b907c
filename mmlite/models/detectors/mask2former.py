"""``mmdet.models.detectors.mask2former``, the mmdet module path: the names it had, re-exported."""
from .maskformer import Mask2Former

__all__ = ['Mask2Former']
