"""Logger hooks (text, TensorBoard and import-guarded third-party services)."""
from .base import LoggerHook
from .tensorboard import TensorboardLoggerHook
from .text import TextLoggerHook
from .third_party import (ClearMLLoggerHook, DvcliveLoggerHook, MlflowLoggerHook, NeptuneLoggerHook, PaviLoggerHook,
                          SegmindLoggerHook, WandbLoggerHook)

__all__ = [
    'LoggerHook', 'TextLoggerHook', 'TensorboardLoggerHook', 'WandbLoggerHook', 'MlflowLoggerHook',
    'NeptuneLoggerHook', 'DvcliveLoggerHook', 'ClearMLLoggerHook', 'SegmindLoggerHook', 'PaviLoggerHook'
]
