"""``mmdet.core.bbox.assigners.sim_ota_assigner``, the mmdet module path: the names it had, re-exported."""
from ..sim_ota_assigner import SimOTAAssigner

__all__ = ['SimOTAAssigner']
