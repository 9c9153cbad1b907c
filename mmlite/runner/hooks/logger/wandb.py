"""``mmcv.runner.hooks.logger.wandb``, the mmcv module path: the names it had, re-exported."""
from .third_party import WandbLoggerHook

__all__ = ['WandbLoggerHook']
