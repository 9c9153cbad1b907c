"""``mmdet.models.detectors.mask_scoring_rcnn``, the mmdet module path: the names it had, re-exported."""
from .faster_rcnn import MaskScoringRCNN

__all__ = ['MaskScoringRCNN']
