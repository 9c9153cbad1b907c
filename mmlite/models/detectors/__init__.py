"""Detectors with mmdet names."""
from .base import BaseDetector
from .cascade_rcnn import CascadeRCNN
from .faster_rcnn import FasterRCNN, MaskRCNN, RetinaNet
from .fcos import FCOS
from .rpn import RPN
from .single_stage import SingleStageDetector
from .two_stage import TwoStageDetector

__all__ = ['BaseDetector', 'SingleStageDetector', 'TwoStageDetector', 'RPN', 'FasterRCNN', 'MaskRCNN',
           'RetinaNet', 'CascadeRCNN', 'FCOS']
