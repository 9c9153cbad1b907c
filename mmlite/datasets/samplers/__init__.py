"""Samplers with mmdet 2.x names (plain torch + NumPy; no detection dependencies)."""
from .class_aware_sampler import ClassAwareSampler
from .distributed_sampler import DistributedSampler
from .group_sampler import DistributedGroupSampler, GroupSampler
from .infinite_sampler import InfiniteBatchSampler, InfiniteGroupBatchSampler

__all__ = ['DistributedSampler', 'GroupSampler', 'DistributedGroupSampler', 'InfiniteBatchSampler',
           'InfiniteGroupBatchSampler', 'ClassAwareSampler']
