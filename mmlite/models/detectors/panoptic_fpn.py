"""``mmdet.models.detectors.panoptic_fpn``, the mmdet module path: the names it had, re-exported."""
from .panoptic_two_stage_segmentor import PanopticFPN

__all__ = ['PanopticFPN']
