"""Dense heads with mmdet names."""
from .anchor_free_head import AnchorFreeHead
from .anchor_head import AnchorHead
from .base_dense_head import BaseDenseHead
from .fcos_head import FCOSHead
from .retina_head import RetinaHead
from .rpn_head import RPNHead

__all__ = ['BaseDenseHead', 'AnchorHead', 'RPNHead', 'RetinaHead', 'AnchorFreeHead', 'FCOSHead']
