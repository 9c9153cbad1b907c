"""``mmcv.utils.trace``, the mmcv module path: the names it had, re-exported."""
from .parrots_wrapper import is_jit_tracing

__all__ = ['is_jit_tracing']
