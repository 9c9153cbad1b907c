"""``HybridTaskCascade``: a Cascade R-CNN whose RoI head is a ``HybridTaskCascadeRoIHead``."""
from __future__ import annotations

from ..builder import DETECTORS
from .cascade_rcnn import CascadeRCNN


@DETECTORS.register_module()
class HybridTaskCascade(CascadeRCNN):
    """Hybrid Task Cascade (Chen et al., 2019): interleaved box/mask cascade with mask information flow and,
    with a ``semantic_head``, a semantic segmentation branch trained on ``gt_semantic_seg``."""

    @property
    def with_semantic(self) -> bool:
        return self.roi_head.with_semantic
