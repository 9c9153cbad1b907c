"""Detection-specific hooks (mmdet.core.hook names)."""
from .checkloss_hook import CheckInvalidLossHook
from .set_epoch_info_hook import SetEpochInfoHook

__all__ = ['CheckInvalidLossHook', 'SetEpochInfoHook']
