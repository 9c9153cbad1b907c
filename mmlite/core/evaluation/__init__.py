"""Detection evaluation with mmdet 2.x names (VOC mAP, recall, inference loops, eval hooks)."""
from .bbox_overlaps import bbox_overlaps
from .class_names import coco_classes, get_classes, voc_classes
from .det_inference import multi_gpu_test, single_gpu_test
from .eval_hooks import DistEvalHook, EvalHook, dataset_evaluate_kwargs, hook_argument_names
from .mean_ap import average_precision, eval_map, print_map_summary
from .recall import eval_recalls, print_recall_summary

__all__ = ['bbox_overlaps', 'average_precision', 'eval_map', 'print_map_summary', 'eval_recalls',
           'print_recall_summary', 'coco_classes', 'voc_classes', 'get_classes', 'single_gpu_test',
           'multi_gpu_test', 'EvalHook', 'DistEvalHook', 'hook_argument_names',
           'dataset_evaluate_kwargs']
