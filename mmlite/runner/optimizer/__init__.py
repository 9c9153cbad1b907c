"""Optimizer registry and builders (mmcv.runner.optimizer names)."""
from .builder import OPTIMIZER_BUILDERS, OPTIMIZERS, TORCH_OPTIMIZERS, build_optimizer, build_optimizer_constructor
from .default_constructor import DefaultOptimizerConstructor

__all__ = [
    'OPTIMIZER_BUILDERS', 'OPTIMIZERS', 'TORCH_OPTIMIZERS', 'build_optimizer',
    'build_optimizer_constructor', 'DefaultOptimizerConstructor'
]
