"""Detection evaluation with mmdet 2.x names (VOC mAP, recall, inference loops, eval hooks)."""
from .bbox_overlaps import bbox_overlaps
from .class_names import (cityscapes_classes, coco_classes, dataset_aliases, get_classes, imagenet_det_classes,
                          imagenet_vid_classes, objects365v1_classes, objects365v2_classes, oid_challenge_classes,
                          oid_v6_classes, voc_classes, wider_face_classes)
from .det_inference import multi_gpu_test, single_gpu_test
from .eval_hooks import DistEvalHook, EvalHook, dataset_evaluate_kwargs, hook_argument_names
from .mean_ap import average_precision, eval_map, get_cls_group_ofs, get_cls_results, print_map_summary, tpfp_default
from .panoptic_utils import INSTANCE_OFFSET
from .recall import eval_recalls, print_recall_summary
from .tpfp_extra import tpfp_imagenet, tpfp_openimages

__all__ = ['bbox_overlaps', 'average_precision', 'eval_map', 'tpfp_default', 'tpfp_imagenet', 'tpfp_openimages',
           'get_cls_results', 'get_cls_group_ofs', 'print_map_summary', 'eval_recalls',
           'print_recall_summary', 'coco_classes', 'voc_classes', 'get_classes', 'cityscapes_classes',
           'dataset_aliases', 'imagenet_det_classes', 'imagenet_vid_classes', 'objects365v1_classes',
           'objects365v2_classes', 'oid_challenge_classes', 'oid_v6_classes', 'wider_face_classes', 'single_gpu_test',
           'multi_gpu_test', 'INSTANCE_OFFSET', 'EvalHook', 'DistEvalHook', 'hook_argument_names',
           'dataset_evaluate_kwargs']
