"""``YOLOV3``: Darknet-53, the YOLOv3 neck and head."""
from __future__ import annotations

from ..builder import DETECTORS
from .single_stage import SingleStageDetector


@DETECTORS.register_module()
class YOLOV3(SingleStageDetector):
    """YOLOv3 (Redmon & Farhadi, 2018); ``test_cfg`` also takes ``conf_thr`` (minimum objectness)."""

    def __init__(self, backbone, neck, bbox_head, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(backbone, neck, bbox_head, train_cfg, test_cfg, pretrained, init_cfg)
