"""``mmcv.parallel.distributed_deprecated``, the mmcv module path: the names it had, re-exported."""
from .distributed import MMDistributedDataParallel

__all__ = ['MMDistributedDataParallel']
