"""``mmdet.core.optimizers.builder``, the mmdet module path: the names it had, re-exported."""
from ...runner.optimizer.builder import OPTIMIZER_BUILDERS, build_optimizer, build_optimizer_constructor

__all__ = ['OPTIMIZER_BUILDERS', 'build_optimizer', 'build_optimizer_constructor']
