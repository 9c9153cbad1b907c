"""``mmdet.models.detectors.solo``, the mmdet module path: the names it had, re-exported."""
from .single_stage_instance_seg import SOLO

__all__ = ['SOLO']
