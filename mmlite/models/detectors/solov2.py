"""``mmdet.models.detectors.solov2``, the mmdet module path: the names it had, re-exported."""
from .single_stage_instance_seg import SOLOv2

__all__ = ['SOLOv2']
