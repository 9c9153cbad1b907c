"""Boxes: IoU, coders, assigners, samplers and format helpers (mmdet.core.bbox names)."""
from .approx_max_iou_assigner import ApproxMaxIoUAssigner
from .assign import AscendMaxIoUAssigner, AssignResult, BaseAssigner, MaxIoUAssigner
from .atss_assigner import ATSSAssigner
from .balanced_samplers import CombinedSampler, InstanceBalancedPosSampler, IoUBalancedNegSampler
from .box_coders import (BaseBBoxCoder, DeltaXYWHBBoxCoder, DistancePointBBoxCoder, PseudoBBoxCoder, YOLOBBoxCoder,
                         bbox2delta, delta2bbox)
from .bucketing_coder import BucketingBBoxCoder, bbox2bucket, bucket2bbox
from .builder import (BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, IOU_CALCULATORS, MATCH_COST, build_assigner,
                      build_bbox_coder, build_iou_calculator, build_match_cost, build_sampler)
from .center_region_assigner import CenterRegionAssigner
from .grid_assigner import GridAssigner
from .hungarian_assigner import HungarianAssigner
from .iou import BboxOverlaps2D, bbox_overlaps
from .legacy_coder import LegacyDeltaXYWHBBoxCoder, legacy_bbox2delta, legacy_delta2bbox
from .linear_assignment import linear_sum_assignment
from .mask_hungarian_assigner import MaskHungarianAssigner, MaskPseudoSampler, MaskSamplingResult
from .matching_costs import BBoxL1Cost, ClassificationCost, CrossEntropyLossCost, DiceCost, FocalLossCost, IoUCost
from .ohem_sampler import OHEMSampler
from .point_assigner import PointAssigner
from .region_assigner import RegionAssigner
from .sample import BaseSampler, PseudoSampler, RandomSampler, SamplingResult
from .score_hlr_sampler import ScoreHLRSampler
from .sim_ota_assigner import SimOTAAssigner
from .task_aligned_assigner import TaskAlignedAssigner
from .tblr_coder import TBLRBBoxCoder, bboxes2tblr, tblr2bboxes
from .transforms import (bbox2distance, bbox2result, bbox2roi, bbox_cxcywh_to_xyxy, bbox_flip, bbox_mapping,
                         bbox_mapping_back, bbox_rescale, bbox_xyxy_to_cxcywh, distance2bbox, find_inside_bboxes,
                         roi2bbox)
from .uniform_assigner import UniformAssigner

__all__ = [
    'AssignResult', 'BaseAssigner', 'MaxIoUAssigner', 'AscendMaxIoUAssigner', 'BBOX_ASSIGNERS', 'BBOX_CODERS',
    'BBOX_SAMPLERS', 'IOU_CALCULATORS', 'build_assigner', 'build_bbox_coder', 'build_iou_calculator', 'build_sampler',
    'BaseBBoxCoder', 'DeltaXYWHBBoxCoder', 'bbox2delta', 'delta2bbox', 'BboxOverlaps2D', 'bbox_overlaps',
    'BaseSampler', 'PseudoSampler', 'RandomSampler', 'SamplingResult', 'bbox2result', 'bbox2roi',
    'bbox_flip', 'bbox_mapping', 'bbox_mapping_back', 'roi2bbox', 'PseudoBBoxCoder', 'OHEMSampler',
    'CombinedSampler', 'InstanceBalancedPosSampler', 'IoUBalancedNegSampler', 'bbox_cxcywh_to_xyxy',
    'bbox_xyxy_to_cxcywh', 'bbox_rescale', 'distance2bbox', 'bbox2distance', 'find_inside_bboxes',
    'DistancePointBBoxCoder', 'ATSSAssigner', 'RegionAssigner', 'GridAssigner', 'YOLOBBoxCoder',
    'LegacyDeltaXYWHBBoxCoder', 'legacy_bbox2delta', 'legacy_delta2bbox', 'PointAssigner',
    'TaskAlignedAssigner', 'ApproxMaxIoUAssigner', 'ScoreHLRSampler',
    'CenterRegionAssigner', 'TBLRBBoxCoder', 'bboxes2tblr', 'tblr2bboxes',
    'BucketingBBoxCoder', 'bbox2bucket', 'bucket2bbox', 'UniformAssigner', 'SimOTAAssigner',
    'MaskHungarianAssigner', 'MaskPseudoSampler', 'MaskSamplingResult', 'DiceCost', 'CrossEntropyLossCost',
    'MATCH_COST', 'build_match_cost', 'HungarianAssigner', 'linear_sum_assignment', 'BBoxL1Cost', 'ClassificationCost',
    'FocalLossCost', 'IoUCost'
]
