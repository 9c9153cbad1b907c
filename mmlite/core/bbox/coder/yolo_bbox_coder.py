"""``mmdet.core.bbox.coder.yolo_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..box_coders import YOLOBBoxCoder

__all__ = ['YOLOBBoxCoder']
