"""Dense heads with mmdet names."""
from .anchor_free_head import AnchorFreeHead
from .anchor_head import AnchorHead
from .ascend_heads import AscendAnchorHead, AscendRetinaHead, AscendSSDHead
from .atss_head import ATSSHead
from .autoassign_head import AutoAssignHead
from .base_dense_head import BaseDenseHead
from .base_mask_head import BaseMaskHead
from .cascade_rpn_head import CascadeRPNHead, StageCascadeRPNHead
from .centernet_head import CenterNetHead
from .centripetal_head import CentripetalHead
from .corner_head import CornerHead
from .ddod_head import DDODHead
from .decoupled_solo_head import DecoupledSOLOHead, DecoupledSOLOLightHead
from .deformable_detr_head import DeformableDETRHead
from .detr_head import DETRHead
from .embedding_rpn_head import EmbeddingRPNHead
from .fcos_head import FCOSHead
from .fovea_head import FoveaHead
from .free_anchor_retina_head import FreeAnchorRetinaHead
from .fsaf_head import FSAFHead
from .ga_retina_head import GARetinaHead
from .ga_rpn_head import GARPNHead
from .gfl_head import GFLHead
from .guided_anchor_head import FeatureAdaption, GuidedAnchorHead
from .lad_head import LADHead
from .ld_head import LDHead
from .mask2former_head import Mask2FormerHead
from .maskformer_head import MaskFormerHead
from .nasfcos_head import NASFCOSHead
from .paa_head import PAAHead
from .pisa_retinanet_head import PISARetinaHead
from .pisa_ssd_head import PISASSDHead
from .reppoints_head import RepPointsHead
from .retina_head import RetinaHead
from .retina_sepbn_head import RetinaSepBNHead
from .rpn_head import RPNHead
from .sabl_retina_head import SABLRetinaHead
from .solo_head import SOLOHead
from .solov2_head import SOLOV2Head
from .ssd_head import SSDHead
from .tood_head import TOODHead
from .vfnet_head import VFNetHead
from .yolact_head import YOLACTHead
from .yolact_mask_heads import YOLACTProtonet, YOLACTSegmHead
from .yolo_head import YOLOV3Head
from .yolof_head import YOLOFHead
from .yolox_head import YOLOXHead

__all__ = [
    'MaskFormerHead', 'Mask2FormerHead',
    'YOLOXHead', 'BaseDenseHead', 'AnchorHead', 'RPNHead', 'RetinaHead', 'AnchorFreeHead', 'FCOSHead', 'ATSSHead',
    'PAAHead', 'GFLHead', 'YOLOV3Head', 'SSDHead', 'VFNetHead', 'FoveaHead', 'RepPointsHead', 'TOODHead',
    'GuidedAnchorHead', 'GARPNHead', 'GARetinaHead', 'FeatureAdaption', 'FreeAnchorRetinaHead', 'PISARetinaHead',
    'PISASSDHead', 'SABLRetinaHead', 'YOLOFHead', 'RetinaSepBNHead', 'NASFCOSHead', 'FSAFHead', 'CenterNetHead',
    'LDHead', 'LADHead', 'BaseMaskHead', 'SOLOHead', 'DecoupledSOLOHead', 'DecoupledSOLOLightHead', 'SOLOV2Head',
    'AscendAnchorHead', 'AscendRetinaHead', 'AscendSSDHead', 'CornerHead',
    'CentripetalHead', 'EmbeddingRPNHead', 'AutoAssignHead', 'DDODHead', 'DETRHead', 'DeformableDETRHead', 'YOLACTHead',
    'YOLACTProtonet', 'YOLACTSegmHead', 'CascadeRPNHead', 'StageCascadeRPNHead'
]
