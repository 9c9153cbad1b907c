"""``mmdet.core.bbox.samplers``, the mmdet package path: the names it had, re-exported."""
from ..balanced_samplers import CombinedSampler, InstanceBalancedPosSampler, IoUBalancedNegSampler
from ..mask_hungarian_assigner import MaskPseudoSampler, MaskSamplingResult
from ..ohem_sampler import OHEMSampler
from ..sample import BaseSampler, PseudoSampler, RandomSampler, SamplingResult
from ..score_hlr_sampler import ScoreHLRSampler

__all__ = [
    'BaseSampler', 'CombinedSampler', 'InstanceBalancedPosSampler', 'IoUBalancedNegSampler', 'MaskPseudoSampler',
    'MaskSamplingResult', 'OHEMSampler', 'PseudoSampler', 'RandomSampler', 'SamplingResult', 'ScoreHLRSampler'
]
