"""``mmdet.core.bbox.samplers.sampling_result``, the mmdet module path: the names it had, re-exported."""
from ..sample import SamplingResult

__all__ = ['SamplingResult']
