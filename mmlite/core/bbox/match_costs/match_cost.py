"""``mmdet.core.bbox.match_costs.match_cost``, the mmdet module path: the names it had, re-exported."""
from ..matching_costs import BBoxL1Cost, ClassificationCost, CrossEntropyLossCost, DiceCost, FocalLossCost, IoUCost

__all__ = ['BBoxL1Cost', 'ClassificationCost', 'CrossEntropyLossCost', 'DiceCost', 'FocalLossCost', 'IoUCost']
