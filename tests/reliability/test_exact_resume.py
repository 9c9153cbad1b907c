"""Resuming from any checkpoint (mid-epoch included) continues bit-for-bit: same data order, same
augmentation, same random streams, same final weights."""
import os
import signal

import numpy as np
import pytest
import torch
from torch import nn

from mmlite.datasets import build_dataloader
from mmlite.datasets.samplers.resumable import sample_random_state
from mmlite.runner import EpochBasedRunner, Hook, IterBasedRunner
from mmlite.runner._preemption import TrainingPreempted


class NoisyDataset(torch.utils.data.Dataset):
    """Random augmentation from NumPy's global stream, seeded per sample when the sampler says."""

    def __init__(self, n=22):
        self.x = torch.linspace(-1, 1, n * 3).reshape(n, 3)
        self.flag = np.array([i % 2 for i in range(n)], dtype=np.uint8)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        with sample_random_state(idx):
            noise = torch.from_numpy(np.random.normal(0, 0.1, 3).astype(np.float32))
            return dict(x=self.x[idx] + noise, y=self.x[idx].sum(0, keepdim=True))


class DropoutModel(nn.Module):
    """Consumes torch's global stream every step (dropout)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 16), nn.Dropout(0.3), nn.Linear(16, 1))

    def train_step(self, data, optimizer=None):
        loss = ((self.net(data['x']) - data['y']) ** 2).mean()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['x']))

    def val_step(self, data, optimizer=None):
        return self.train_step(data)


class SignalAt(Hook):
    """Send ``signum`` to this process during iteration ``at``."""

    def __init__(self, at, signum=signal.SIGTERM):
        self.at, self.signum = at, signum

    def before_train_iter(self, runner):
        if runner.iter + 1 == self.at:
            os.kill(os.getpid(), self.signum)


def make_runner(kind, work_dir, workers):
    torch.manual_seed(0)
    np.random.seed(0)
    model = DropoutModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    if kind == 'epoch':
        runner_cls, length = EpochBasedRunner, dict(max_epochs=3)
    else:
        runner_cls, length = IterBasedRunner, dict(max_iters=17)
    runner = runner_cls(model, optimizer=optimizer, work_dir=str(work_dir), **length)
    runner.register_training_hooks(dict(policy='step', step=[2] if kind == 'epoch' else [10]),
                                   optimizer_config=dict(grad_clip=None),
                                   checkpoint_config=dict(interval=3, by_epoch=False))
    loader = build_dataloader(NoisyDataset(), samples_per_gpu=4, workers_per_gpu=workers, dist=False, seed=7,
                              runner_type='EpochBasedRunner' if kind == 'epoch' else 'IterBasedRunner')
    return runner, loader


def final_weights(kind, work_dir, workers, resume_from=None, extra_hooks=()):
    runner, loader = make_runner(kind, work_dir, workers)
    for hook in extra_hooks:
        runner.register_hook(hook)
    if resume_from is not None:
        runner.resume(resume_from)
    runner.run([loader], [('train', 1)])
    return {k: v.clone() for k, v in runner.model.state_dict().items()}, runner


@pytest.mark.parametrize('kind', ['epoch', 'iter'])
@pytest.mark.parametrize('workers', [0, 2])
def test_mid_epoch_resume_is_bit_exact(kind, workers, tmp_path):
    straight, _ = final_weights(kind, tmp_path / 'straight', workers)
    # iteration 9 of 17 (or 18): mid-epoch for both runners (6 batches a pass)
    first, runner = final_weights(kind, tmp_path / 'first', workers)
    resumed, runner = final_weights(kind, tmp_path / 'resumed', workers,
                                    resume_from=str(tmp_path / 'first' / 'iter_9.pth'))
    for name in straight:
        assert torch.equal(straight[name], first[name]), f'{name}: two straight runs differ (nondeterminism)'
        assert torch.equal(straight[name], resumed[name]), f'{name}: resumed run differs'
    assert runner.iter == 17 if kind == 'iter' else runner.epoch == 3


@pytest.mark.parametrize('kind', ['epoch', 'iter'])
def test_sigterm_saves_resumable_checkpoint_and_exits_nonzero(kind, tmp_path, caplog):
    straight, _ = final_weights(kind, tmp_path / 'straight', 0)
    with pytest.raises(TrainingPreempted) as info:
        final_weights(kind, tmp_path / 'stopped', 0, extra_hooks=[SignalAt(8)])
    assert info.value.code == 128 + signal.SIGTERM
    assert info.value.checkpoint == str(tmp_path / 'stopped' / 'iter_8.pth')
    assert os.path.realpath(tmp_path / 'stopped' / 'latest.pth') == info.value.checkpoint
    assert 'SIGTERM received' in str(info.value) and '--auto-resume' in str(info.value)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers are put back
    resumed, runner = final_weights(kind, tmp_path / 'resumed', 0, resume_from=info.value.checkpoint)
    for name in straight:
        assert torch.equal(straight[name], resumed[name]), name


def test_custom_preemption_signal(tmp_path):
    runner, loader = make_runner('epoch', tmp_path, 0)
    runner._set_preemption_signals(['SIGUSR1'])
    runner.register_hook(SignalAt(2, signal.SIGUSR1))
    with pytest.raises(TrainingPreempted) as info:
        runner.run([loader], [('train', 1)])
    assert info.value.code == 128 + signal.SIGUSR1
    with pytest.raises(ValueError, match='unknown signal'):
        runner._set_preemption_signals(['SIGNOPE'])


def test_mid_epoch_resume_on_another_world_size_rescales_and_says_so(tmp_path, caplog):
    final_weights('epoch', tmp_path / 'first', 0)
    ckpt = torch.load(tmp_path / 'first' / 'iter_9.pth', weights_only=True)
    ckpt['mmlite_state']['world_size'] = ckpt['meta']['world_size'] = 2  # as if written by 2 processes
    torch.save(ckpt, tmp_path / 'two_procs.pth')
    runner, loader = make_runner('epoch', tmp_path / 'resumed', 0)
    runner.resume(str(tmp_path / 'two_procs.pth'))
    assert (runner.epoch, runner.iter) == (1, 18)  # 9 iterations of 2 processes = 18 of one
    seen = []
    record = type('Record', (Hook, ), dict(before_train_iter=lambda self, r: seen.append(r.inner_iter)))
    runner.register_hook(record())
    runner.run([loader], [('train', 1)])
    # 3 batches into epoch 2 on 2 processes = all 6 batches of one process: only epoch 3 runs
    assert seen == list(range(6)) and runner.epoch == 3
    assert 'ran on 2 processes, this run has 1: skipping 6 batches' in caplog.text
