"""The Ascend (NPU) heads of mmdet's ``ascend_*`` configs: mmdet computes their targets and losses on
padded, statically shaped batches for the NPU; the results are those of the standard heads, which these
names build (so the configs train and test unchanged on CPU and CUDA)."""
from __future__ import annotations

from ..builder import HEADS
from .anchor_head import AnchorHead
from .retina_head import RetinaHead
from .ssd_head import SSDHead


@HEADS.register_module()
class AscendAnchorHead(AnchorHead):
    """``AnchorHead`` under the name of mmdet's NPU variant."""


@HEADS.register_module()
class AscendRetinaHead(RetinaHead):
    """``RetinaHead`` under the name of mmdet's NPU variant."""


@HEADS.register_module()
class AscendSSDHead(SSDHead):
    """``SSDHead`` under the name of mmdet's NPU variant."""
