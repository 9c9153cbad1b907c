"""Real 2-process gloo runs on the CPU: DDP training equivalence, sampler seeding, result
collection, backend fallback, and a failing rank ending the job instead of hanging it."""
import json
import logging
import os
import os.path as osp
import signal
import socket
import time
import warnings

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader

from mmlite.datasets.samplers import DistributedSampler
from mmlite.engine import collect_results_cpu, collect_results_gpu
from mmlite.parallel import MMDistributedDataParallel
from mmlite.runner import DistSamplerSeedHook, EpochBasedRunner, Hook, get_dist_info, init_dist
from mmlite.runner._preemption import TrainingPreempted
from mmlite.utils import get_logger

from ..conftest import ToyDataset, ToyModel

pytestmark = pytest.mark.dist

WORLD = 2
PER_RANK_BATCH = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _set_env(rank, world, port):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world), LOCAL_RANK=str(rank))


def _train(model, loader, work_dir, extra_hooks=()):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    logger = get_logger('dist_test', log_file=osp.join(work_dir, 'train.log'), log_level=logging.WARNING)
    runner = EpochBasedRunner(model, optimizer=optimizer, work_dir=work_dir, logger=logger, max_epochs=3)
    runner.register_training_hooks(lr_config=dict(policy='step', step=[2]), optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1),
                                   log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    for hook in extra_hooks:
        runner.register_hook(hook)
    runner.run([loader], [('train', 1)])
    return runner


def _worker(rank, port, work_dir):
    _set_env(rank, WORLD, port)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        init_dist('pytorch', backend='nccl' if not torch.cuda.is_available() else 'gloo')
    report = dict(backend=dist.get_backend(), dist_info=get_dist_info(),
                  fallback_warned=any('gloo' in str(w.message) for w in caught))
    torch.manual_seed(0)
    model = ToyModel()
    dataset = ToyDataset(16)
    sampler = DistributedSampler(dataset, WORLD, rank, shuffle=False)
    loader = DataLoader(dataset, batch_size=PER_RANK_BATCH, sampler=sampler)
    _train(MMDistributedDataParallel(model), loader, work_dir)
    if rank == 0:
        torch.save(model.state_dict(), osp.join(work_dir, 'ddp_final.pt'))
    # sampler seeding: the shared permutation differs per epoch and is the same on every rank
    shuffled = DistributedSampler(dataset, WORLD, rank, shuffle=True, seed=5)
    orders = []
    for epoch in range(3):
        shuffled.set_epoch(epoch)
        orders.append(list(shuffled))
    gathered = [None] * WORLD
    dist.all_gather_object(gathered, orders)
    report['orders'] = gathered
    # result collection on an uneven dataset (5 items over 2 ranks: padded to 6)
    uneven = DistributedSampler(list(range(5)), WORLD, rank, shuffle=False)
    part = [f'result{idx}' for idx in uneven]
    report['collected_cpu'] = collect_results_cpu(part, 5, tmpdir=osp.join(work_dir, 'collect'))
    report['collected_gpu'] = collect_results_gpu(part, 5)
    with warnings.catch_warnings(record=True) as caught:  # mmdet's train_detector passes it
        warnings.simplefilter('always')
        MMDistributedDataParallel(ToyModel(), broadcast_buffers=False)
    report['ddp_warnings'] = [str(w.message) for w in caught if 'buffers' in str(w.message)]
    report['core_dist'] = _core_dist_helpers(rank)
    if rank == 0:
        with open(osp.join(work_dir, 'report.json'), 'w') as f:
            json.dump(report, f)
    dist.destroy_process_group()


def _core_dist_helpers(rank):
    """mmdet.core.utils' collectives with rank-dependent inputs (gathered so rank 0 can report them)."""
    from mmlite.core.utils import all_reduce_dict, allreduce_grads, sync_random_seed
    reduced = all_reduce_dict(dict(a=torch.tensor([1.0 + rank, 2.0]), b=torch.tensor(10.0 * rank)), op='mean')
    grads = []
    for coalesce, bucket_mb in ((True, -1), (True, 1e-6), (False, -1)):
        layer = torch.nn.Linear(2, 2)
        for param in layer.parameters():
            param.grad = torch.full_like(param, float(rank + 1))
        allreduce_grads(list(layer.parameters()), coalesce=coalesce, bucket_size_mb=bucket_mb)
        grads.append([p.grad.flatten().tolist() for p in layer.parameters()])
    out = dict(seed=sync_random_seed(100 + rank), reduced={k: v.tolist() for k, v in reduced.items()}, grads=grads)
    gathered = [None] * WORLD
    dist.all_gather_object(gathered, out)
    return gathered


@pytest.fixture(scope='module')
def ddp_run(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('ddp'))
    os.makedirs(osp.join(work_dir, 'collect'))
    with open(osp.join(work_dir, 'collect', 'keep.txt'), 'w') as f:  # a user's file in the given tmpdir
        f.write('mine')
    mp.spawn(_worker, args=(free_port(), work_dir), nprocs=WORLD, join=True)
    with open(osp.join(work_dir, 'report.json')) as f:
        return work_dir, json.load(f)


def test_two_process_ddp_matches_one_process_with_double_batch(ddp_run, tmp_path):
    work_dir, _ = ddp_run
    torch.manual_seed(0)
    model = ToyModel()
    loader = DataLoader(ToyDataset(16), batch_size=PER_RANK_BATCH * WORLD, shuffle=False)
    _train(model, loader, str(tmp_path))
    ddp_state = torch.load(osp.join(work_dir, 'ddp_final.pt'), weights_only=True)
    for key, value in model.state_dict().items():
        assert torch.allclose(value, ddp_state[key], atol=1e-6), key


def test_only_rank_zero_writes_logs_and_checkpoints(ddp_run):
    work_dir, _ = ddp_run
    files = os.listdir(work_dir)
    assert sorted(f for f in files if f.endswith('.pth')) == ['epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth',
                                                              'latest.pth']
    assert len([f for f in files if f.endswith('.log.json')]) == 1


def test_sampler_orders_per_epoch_and_rank(ddp_run):
    _, report = ddp_run
    rank0, rank1 = report['orders']
    for epoch in range(3):
        union = sorted(rank0[epoch] + rank1[epoch])
        assert union == list(range(16))  # the ranks partition the data without overlap
    assert rank0[0] != rank0[1] != rank0[2]  # a different order every epoch
    # the same shared permutation on both ranks: interleaving the shares rebuilds it
    sampler = DistributedSampler(ToyDataset(16), WORLD, 0, shuffle=True, seed=5)
    sampler.set_epoch(1)
    full = sampler._epoch_indices()
    assert rank0[1] == full[0::2] and rank1[1] == full[1::2]


def test_results_collected_in_dataset_order(ddp_run):
    _, report = ddp_run
    expected = [f'result{i}' for i in range(5)]
    assert report['collected_cpu'] == expected and report['collected_gpu'] == expected


def test_core_distributed_helpers(ddp_run):
    _, report = ddp_run
    ranks = report['core_dist']
    assert [r['seed'] for r in ranks] == [100, 100]  # rank 0's seed everywhere
    assert all(r['reduced'] == dict(a=[1.5, 2.0], b=5.0) for r in ranks)
    assert all(value == 1.5 for r in ranks for grads in r['grads'] for p in grads for value in p)


def test_nccl_falls_back_to_gloo_on_cpu(ddp_run):
    _, report = ddp_run
    assert report['backend'] == 'gloo' and report['dist_info'] == [0, 2]
    if not torch.cuda.is_available():
        assert report['fallback_warned']


def _failing_worker(rank, port):
    _set_env(rank, WORLD, port)
    init_dist('pytorch', backend='gloo', timeout=60)
    if rank == 1:
        raise RuntimeError('rank 1 lost its data')
    dist.all_reduce(torch.ones(1))  # rank 0 waits for a peer that is gone


def test_a_failing_rank_ends_the_job_with_its_message():
    start = time.time()
    with pytest.raises(Exception, match='rank 1 lost its data'):
        mp.spawn(_failing_worker, args=(free_port(), ), nprocs=WORLD, join=True)
    assert time.time() - start < 60


def test_a_single_process_run_never_touches_torch_distributed(monkeypatch, tmp_path):

    def forbidden(*args, **kwargs):
        raise AssertionError('torch.distributed must not be initialised')

    monkeypatch.setattr(dist, 'init_process_group', forbidden)
    model = ToyModel()
    _train(model, DataLoader(ToyDataset(8), batch_size=2), str(tmp_path),
           extra_hooks=[DistSamplerSeedHook()])
    assert not dist.is_initialized() and get_dist_info() == (0, 1)


def test_init_dist_errors(monkeypatch):
    with pytest.raises(ValueError, match='Invalid launcher'):
        init_dist('kubernetes')
    for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(KeyError, match='RANK'):
        init_dist('pytorch', backend='gloo')
    monkeypatch.delenv('SLURM_PROCID', raising=False)
    with pytest.raises(KeyError, match='SLURM_PROCID'):
        init_dist('slurm', backend='gloo')


def test_slurm_node_list_parsing():
    from mmlite.runner.dist_utils import _first_slurm_host
    assert _first_slurm_host('gpu[03-07,11],cpu1') in ('gpu03', )
    assert _first_slurm_host('node12') == 'node12'


class _SignalOneRank(Hook):
    def before_train_iter(self, runner):
        if runner.rank == 1 and runner.iter + 1 == 3:
            os.kill(os.getpid(), signal.SIGTERM)


def _preempt_worker(rank, port, work_dir):
    _set_env(rank, WORLD, port)
    init_dist('pytorch', backend='gloo')
    EpochBasedRunner.preemption_sync_interval = 2  # ranks agree every 2 iterations (default 10)
    torch.manual_seed(0)
    dataset = ToyDataset(16)
    loader = DataLoader(dataset, batch_size=PER_RANK_BATCH, sampler=DistributedSampler(dataset, WORLD, rank))
    outcome = dict(stopped=False)
    try:
        _train(MMDistributedDataParallel(ToyModel()), loader, work_dir, extra_hooks=[_SignalOneRank()])
    except TrainingPreempted as exc:
        outcome = dict(stopped=True, code=exc.code, iteration=exc.iteration, checkpoint=exc.checkpoint)
    with open(osp.join(work_dir, f'preempt_{rank}.json'), 'w') as f:
        json.dump(outcome, f)
    dist.destroy_process_group()


def test_a_signal_on_one_rank_stops_every_rank_at_the_same_iteration(tmp_path):
    mp.spawn(_preempt_worker, args=(free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    outcomes = [json.load(open(tmp_path / f'preempt_{rank}.json')) for rank in range(WORLD)]
    assert all(o['stopped'] and o['code'] == 128 + signal.SIGTERM for o in outcomes), outcomes
    # agreed at the next sync point (after iterations 1, 3, 5...)
    assert outcomes[0]['iteration'] == outcomes[1]['iteration'] == 3
    assert outcomes[0]['checkpoint'] == str(tmp_path / 'iter_3.pth') and outcomes[1]['checkpoint'] is None
    ckpt = torch.load(tmp_path / 'iter_3.pth', map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 3 and ckpt['mmlite_state']['world_size'] == 2


def test_result_collection_leaves_other_files_in_tmpdir(ddp_run):
    work_dir, report = ddp_run
    assert report['collected_cpu'] == [f'result{i}' for i in range(5)]
    assert os.listdir(osp.join(work_dir, 'collect')) == ['keep.txt']  # only its own part files removed


def test_broadcast_buffers_false_is_accepted_without_deprecation_noise(ddp_run):
    _, report = ddp_run
    assert report['ddp_warnings'] == []
