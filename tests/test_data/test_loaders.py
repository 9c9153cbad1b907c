"""Samplers and build_dataloader: grouping, partitioning, determinism, workers under spawn."""
import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from mmlite.datasets import (DistributedGroupSampler, DistributedSampler, GroupSampler, InfiniteBatchSampler,
                             InfiniteGroupBatchSampler, build_dataloader, worker_init_fn)
from mmlite.parallel import DataContainer


class Flagged(Dataset):
    """Items carry their index and aspect group; a random draw shows worker seeding."""

    def __init__(self, n=23):
        self.flag = np.array([i % 3 == 0 for i in range(n)], dtype=np.uint8)

    def __len__(self):
        return len(self.flag)

    def __getitem__(self, idx):
        return dict(idx=idx, flag=int(self.flag[idx]), draw=float(np.random.rand()),
                    meta=DataContainer(dict(idx=idx), cpu_only=True))


def test_group_sampler_batches_share_a_group_and_cover_data():
    ds = Flagged()
    sampler = GroupSampler(ds, samples_per_gpu=4, seed=0)
    indices = list(sampler)
    assert len(indices) == len(sampler) == 8 + 16  # groups of 8 and 15 padded to multiples of 4
    for start in range(0, len(indices), 4):
        assert len({ds.flag[i] for i in indices[start:start + 4]}) == 1
    assert set(indices) == set(range(len(ds)))
    second = list(sampler)  # the epoch advanced: a new order
    assert second != indices
    sampler.set_epoch(0)
    assert list(sampler) == indices  # reproducible from (seed, epoch)


def test_distributed_group_sampler_partitions_without_overlap():
    ds = Flagged()
    shares = [list(DistributedGroupSampler(ds, 2, num_replicas=3, rank=r, seed=1)) for r in range(3)]
    assert len({len(s) for s in shares}) == 1
    for share in shares:
        for start in range(0, len(share), 2):
            assert len({ds.flag[i] for i in share[start:start + 2]}) == 1
    assert set().union(*shares) == set(range(len(ds)))
    total = sum(len(s) for s in shares)
    assert total - len(ds) < 3 * 2 * 2  # padding stays below one batch per rank per group


def test_distributed_sampler_partitions_and_pads():
    ds = Flagged(10)
    shares = [list(DistributedSampler(ds, num_replicas=4, rank=r, shuffle=True, seed=3)) for r in range(4)]
    assert all(len(s) == 3 for s in shares)
    flat = sorted(i for s in shares for i in s)
    assert set(flat) == set(range(10)) and len(flat) == 12


def test_infinite_samplers_are_endless_and_grouped():
    ds = Flagged(7)
    batches = iter(InfiniteGroupBatchSampler(ds, batch_size=2, world_size=1, rank=0, seed=0))
    taken = [next(batches) for _ in range(20)]
    assert all(len({ds.flag[i] for i in b}) == 1 for b in taken)
    plain = iter(InfiniteBatchSampler(ds, batch_size=3, shuffle=False))
    assert [next(plain) for _ in range(3)] == [[0, 1, 2], [3, 4, 5], [6, 0, 1]]
    assert len(InfiniteBatchSampler(ds)) == 7


def test_build_dataloader_variants():
    ds = Flagged()
    loader = build_dataloader(ds, samples_per_gpu=4, workers_per_gpu=0, dist=False, seed=0)
    assert isinstance(loader.sampler, GroupSampler) and loader.batch_size == 4
    batch = next(iter(loader))
    assert batch['idx'].shape == (4, ) and batch['meta'].data[0][0]['idx'] == int(batch['idx'][0])
    test_loader = build_dataloader(ds, 2, 0, dist=False, shuffle=False)
    assert [int(i) for b in test_loader for i in b['idx']] == list(range(len(ds)))
    iter_loader = build_dataloader(ds, 3, 0, dist=False, runner_type='IterBasedRunner', seed=0)
    assert isinstance(iter_loader.batch_sampler, InfiniteGroupBatchSampler)
    dist_loader = build_dataloader(ds, 2, 0, dist=True, seed=0)
    assert isinstance(dist_loader.sampler, DistributedGroupSampler)
    with pytest.warns(UserWarning, match='persistent_workers'):
        build_dataloader(ds, 2, 0, dist=False, persistent_workers=True)
    with pytest.raises(ValueError, match='samples_per_gpu .* >= 1, got 0'):
        build_dataloader(ds, 0, 0, dist=False)
    with pytest.raises(ValueError, match="workers_per_gpu .* >= 0, got '2'"):
        build_dataloader(ds, 2, '2', dist=False)


def test_seeded_workers_under_spawn_are_picklable_and_deterministic():
    ds = Flagged(8)

    def draws():
        loader = build_dataloader(ds, 2, 2, dist=False, shuffle=False, seed=5,
                                  multiprocessing_context='spawn')
        return [float(d) for b in loader for d in b['draw']]

    pickle.dumps(build_dataloader(ds, 2, 2, dist=False, seed=5).worker_init_fn)
    first = draws()
    assert first == draws() and len(set(first)) > 1


def test_worker_init_fn_seeds_all_generators():
    worker_init_fn(1, num_workers=2, rank=1, seed=10)  # seed 2 * 1 + 1 + 10 = 13
    a = (np.random.rand(), torch.rand(1).item())
    np.random.seed(13)
    torch.manual_seed(13)
    assert a == (np.random.rand(), torch.rand(1).item())
