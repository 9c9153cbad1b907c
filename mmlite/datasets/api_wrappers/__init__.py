"""mmdet 2.x's ``mmdet.datasets.api_wrappers``: the COCO index and panoptic quality evaluation."""
from .coco_api import COCO, COCOeval
from .panoptic_evaluation import pq_compute_multi_core, pq_compute_single_core

__all__ = ['COCO', 'COCOeval', 'pq_compute_single_core', 'pq_compute_multi_core']
