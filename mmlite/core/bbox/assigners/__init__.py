"""``mmdet.core.bbox.assigners``, the mmdet package path: the names it had, re-exported."""
from ..approx_max_iou_assigner import ApproxMaxIoUAssigner
from ..assign import AscendMaxIoUAssigner, AssignResult, BaseAssigner, MaxIoUAssigner
from ..atss_assigner import ATSSAssigner
from ..center_region_assigner import CenterRegionAssigner
from ..grid_assigner import GridAssigner
from ..hungarian_assigner import HungarianAssigner
from ..mask_hungarian_assigner import MaskHungarianAssigner
from ..point_assigner import PointAssigner
from ..region_assigner import RegionAssigner
from ..sim_ota_assigner import SimOTAAssigner
from ..task_aligned_assigner import TaskAlignedAssigner
from ..uniform_assigner import UniformAssigner

__all__ = [
    'ATSSAssigner', 'ApproxMaxIoUAssigner', 'AscendMaxIoUAssigner', 'AssignResult', 'BaseAssigner',
    'CenterRegionAssigner', 'GridAssigner', 'HungarianAssigner', 'MaskHungarianAssigner', 'MaxIoUAssigner',
    'PointAssigner', 'RegionAssigner', 'SimOTAAssigner', 'TaskAlignedAssigner', 'UniformAssigner'
]
