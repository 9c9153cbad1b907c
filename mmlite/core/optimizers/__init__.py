"""``mmdet.core.optimizers``, the mmdet package path: the names it had, re-exported."""
from ...runner.optimizer.builder import OPTIMIZER_BUILDERS, build_optimizer

__all__ = ['OPTIMIZER_BUILDERS', 'build_optimizer']
