"""Data containers, collate/scatter and the mmcv model wrappers (``mmcv.parallel`` names)."""
from .builder import build_ddp, build_dp
from .collate import collate
from .data_container import DataContainer
from .data_parallel import MMDataParallel
from .distributed import MMDistributedDataParallel
from .registry import MODULE_WRAPPERS
from .scatter_gather import scatter, scatter_kwargs
from .utils import is_module_wrapper

__all__ = [
    'collate', 'DataContainer', 'MMDataParallel', 'MMDistributedDataParallel', 'MODULE_WRAPPERS',
    'scatter', 'scatter_kwargs', 'is_module_wrapper', 'build_dp', 'build_ddp'
]
