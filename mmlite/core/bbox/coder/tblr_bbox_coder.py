"""``mmdet.core.bbox.coder.tblr_bbox_coder``, the mmdet module path: the names it had, re-exported."""
from ..tblr_coder import TBLRBBoxCoder, bboxes2tblr, tblr2bboxes

__all__ = ['TBLRBBoxCoder', 'bboxes2tblr', 'tblr2bboxes']
