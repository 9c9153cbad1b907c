"""Necks with mmdet names."""
from .bfp import BFP
from .fpn import FPN
from .pafpn import PAFPN
from .yolo_neck import YOLOV3Neck

__all__ = ['FPN', 'BFP', 'PAFPN', 'YOLOV3Neck']
