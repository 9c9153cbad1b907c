"""``mmcv.cnn.utils.flops_counter``, the mmcv module path: the names it had, re-exported."""
from ..flops_counter import flops_to_string, get_model_complexity_info, params_to_string

__all__ = ['flops_to_string', 'get_model_complexity_info', 'params_to_string']
