"""``mmcv.utils.seed``, the mmcv module path: the names it had, re-exported."""
from .parrots_wrapper import worker_init_fn

__all__ = ['worker_init_fn']
