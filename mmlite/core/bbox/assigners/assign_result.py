"""``mmdet.core.bbox.assigners.assign_result``, the mmdet module path: the names it had, re-exported."""
from ..assign import AssignResult

__all__ = ['AssignResult']
