"""``mmdet.core.bbox.samplers.mask_sampling_result``, the mmdet module path: the names it had, re-exported."""
from ..mask_hungarian_assigner import MaskSamplingResult

__all__ = ['MaskSamplingResult']
