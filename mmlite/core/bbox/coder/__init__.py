"""``mmdet.core.bbox.coder``, the mmdet package path: the box coders, re-exported."""
from ..box_coders import BaseBBoxCoder, DeltaXYWHBBoxCoder, DistancePointBBoxCoder, PseudoBBoxCoder, YOLOBBoxCoder
from ..bucketing_coder import BucketingBBoxCoder
from ..legacy_coder import LegacyDeltaXYWHBBoxCoder
from ..tblr_coder import TBLRBBoxCoder

__all__ = ['BaseBBoxCoder', 'BucketingBBoxCoder', 'DeltaXYWHBBoxCoder', 'DistancePointBBoxCoder',
           'LegacyDeltaXYWHBBoxCoder', 'PseudoBBoxCoder', 'TBLRBBoxCoder', 'YOLOBBoxCoder']
