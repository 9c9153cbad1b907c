"""Detectors with mmdet names."""
from .base import BaseDetector
from .faster_rcnn import FasterRCNN, MaskRCNN, RetinaNet
from .rpn import RPN
from .single_stage import SingleStageDetector
from .two_stage import TwoStageDetector

__all__ = ['BaseDetector', 'SingleStageDetector', 'TwoStageDetector', 'RPN', 'FasterRCNN', 'MaskRCNN',
           'RetinaNet']
