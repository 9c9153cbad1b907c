"""Detection-specific hooks (mmdet.core.hook names)."""
from .checkloss_hook import CheckInvalidLossHook
from .ema import BaseEMAHook, ExpMomentumEMAHook, LinearMomentumEMAHook
from .set_epoch_info_hook import SetEpochInfoHook
from .sync_norm_hook import SyncNormHook
from .yolox_lrupdater_hook import YOLOXLrUpdaterHook
from .yolox_mode_switch_hook import YOLOXModeSwitchHook

__all__ = ['CheckInvalidLossHook', 'SetEpochInfoHook', 'BaseEMAHook', 'ExpMomentumEMAHook', 'LinearMomentumEMAHook',
           'SyncNormHook', 'YOLOXLrUpdaterHook', 'YOLOXModeSwitchHook']
