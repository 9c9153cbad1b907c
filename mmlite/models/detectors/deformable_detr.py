"""``mmdet.models.detectors.deformable_detr``, the mmdet module path: the names it had, re-exported."""
from .detr import DeformableDETR

__all__ = ['DeformableDETR']
