"""Detectors with mmdet names."""
from .atss import ATSS
from .base import BaseDetector
from .cascade_rcnn import CascadeRCNN, SCNet
from .centernet import CenterNet
from .cornernet import CornerNet
from .detr import DETR, DeformableDETR
from .faster_rcnn import DDOD, AutoAssign, FasterRCNN, FastRCNN, MaskRCNN, MaskScoringRCNN, PointRend, RetinaNet
from .fcos import FCOS
from .fovea import FOVEA
from .fsaf import FSAF
from .gfl import GFL
from .grid_rcnn import GridRCNN
from .htc import HybridTaskCascade
from .kd_one_stage import KnowledgeDistillationSingleStageDetector
from .lad import LAD
from .maskformer import Mask2Former, MaskFormer
from .nasfcos import NASFCOS
from .paa import PAA
from .panoptic_two_stage_segmentor import PanopticFPN, TwoStagePanopticSegmentor
from .reppoints_detector import RepPointsDetector
from .rpn import RPN
from .single_stage import SingleStageDetector
from .single_stage_instance_seg import SOLO, SingleStageInstanceSegmentor, SOLOv2
from .sparse_rcnn import QueryInst, SparseRCNN
from .tood import TOOD
from .trident_faster_rcnn import TridentFasterRCNN
from .two_stage import TwoStageDetector
from .vfnet import VFNet
from .yolact import YOLACT
from .yolo import YOLOV3
from .yolof import YOLOF
from .yolox import YOLOX

__all__ = [
    'TridentFasterRCNN', 'YOLOX', 'BaseDetector', 'SingleStageDetector', 'TwoStageDetector', 'RPN', 'FastRCNN',
    'FasterRCNN', 'MaskRCNN', 'MaskScoringRCNN', 'RetinaNet', 'CascadeRCNN', 'FCOS', 'ATSS', 'PAA', 'FSAF',
    'CenterNet', 'KnowledgeDistillationSingleStageDetector', 'LAD', 'GFL', 'YOLOV3', 'HybridTaskCascade', 'VFNet',
    'FOVEA', 'RepPointsDetector', 'TOOD', 'GridRCNN', 'YOLOF', 'NASFCOS',
    'SingleStageInstanceSegmentor', 'SOLO', 'SOLOv2', 'PointRend', 'SCNet', 'CornerNet', 'SparseRCNN', 'QueryInst',
    'AutoAssign', 'DDOD', 'DETR', 'DeformableDETR', 'YOLACT',
    'TwoStagePanopticSegmentor', 'PanopticFPN', 'MaskFormer', 'Mask2Former'
]
