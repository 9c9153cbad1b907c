"""``mmcv.runner.hooks.logger.mlflow``, the mmcv module path: the names it had, re-exported."""
from .third_party import MlflowLoggerHook

__all__ = ['MlflowLoggerHook']
