"""``mmdet.core.bbox.match_costs``, the mmdet package path: the matching costs, re-exported."""
from ..builder import build_match_cost
from ..matching_costs import BBoxL1Cost, ClassificationCost, CrossEntropyLossCost, DiceCost, FocalLossCost, IoUCost

__all__ = ['BBoxL1Cost', 'ClassificationCost', 'CrossEntropyLossCost', 'DiceCost', 'FocalLossCost', 'IoUCost',
           'build_match_cost']
