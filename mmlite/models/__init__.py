"""Detection models with mmdet 2.x names and configs, built on torchvision ops."""
from ..utils.ext_check import check_torchvision_ops

check_torchvision_ops()

from .backbones import *  # noqa: E402,F401,F403
from .builder import (BACKBONES, DETECTORS, HEADS, LOSSES, MODELS, NECKS, ROI_EXTRACTORS, SHARED_HEADS,  # noqa: E402
                      build_backbone, build_detector, build_head, build_loss, build_neck, build_roi_extractor,
                      build_shared_head)
from .dense_heads import *  # noqa: E402,F401,F403
from .detectors import *  # noqa: E402,F401,F403
from .losses import *  # noqa: E402,F401,F403
from .necks import *  # noqa: E402,F401,F403
from .plugins import *  # noqa: E402,F401,F403
from .roi_heads import *  # noqa: E402,F401,F403
from .seg_heads import *  # noqa: E402,F401,F403

__all__ = [
    'MODELS', 'BACKBONES', 'NECKS', 'ROI_EXTRACTORS', 'SHARED_HEADS', 'HEADS', 'LOSSES', 'DETECTORS',
    'build_backbone', 'build_neck', 'build_roi_extractor', 'build_shared_head', 'build_head', 'build_loss',
    'build_detector'
]
