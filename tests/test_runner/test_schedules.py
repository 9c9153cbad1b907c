"""LR and momentum schedules against golden (iteration → value) tables observed with mmcv 1.7.2.

tests/data/mmcv_schedules_golden.json was produced by running each config below with mmcv 1.7.2's
EpochBasedRunner/IterBasedRunner (6 epochs x 4 iterations, or 24 iterations) in a scratch
virtualenv and recording ``current_lr()``/``current_momentum()`` after every iteration; the
same scenario is replayed here with mmlite and must match exactly.
"""
import json
import logging
import os.path as osp

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from mmlite.runner import EpochBasedRunner, Hook, IterBasedRunner

GOLDEN = json.load(open(osp.join(osp.dirname(osp.dirname(__file__)), 'data',
                                 'mmcv_schedules_golden.json')))


class TwoLayer(nn.Module):

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = nn.Linear(2, 1)

    def train_step(self, data, optimizer=None, **kwargs):
        loss = self.b(self.a(data)).sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data))


class Recorder(Hook):

    def __init__(self):
        self.lr, self.momentum = [], []

    def after_train_iter(self, runner):
        self.lr.append(runner.current_lr())
        self.momentum.append(runner.current_momentum())


def _tuples(cfg):
    if cfg is None:
        return None
    cfg = dict(cfg)
    if isinstance(cfg.get('target_ratio'), list):
        cfg['target_ratio'] = tuple(cfg['target_ratio'])
    return cfg


def _optimizer(model, optim, multi):

    def make(params):
        if optim == 'sgd':
            return torch.optim.SGD(params, lr=0.1, momentum=0.9)
        return torch.optim.Adam(params, lr=0.1, betas=(0.9, 0.999))

    if multi:
        return dict(a=make([{'params': model.a.weight}, {'params': model.a.bias, 'lr': 0.05}]),
                    b=make(model.b.parameters()))
    return make([{'params': model.a.parameters()}, {'params': model.b.parameters(), 'lr': 0.02}])


def replay(case, tmp_path):
    model = TwoLayer()
    optimizer = _optimizer(model, case['optim'], case['multi'])
    logger = logging.getLogger('schedule_tests')
    logger.setLevel(logging.ERROR)
    common = dict(optimizer=optimizer, work_dir=str(tmp_path), logger=logger)
    if case['kind'] == 'epoch':
        runner = EpochBasedRunner(model, max_epochs=6, **common)
    else:
        runner = IterBasedRunner(model, max_iters=24, **common)
    lr_config, momentum_config = _tuples(case['lr_config']), _tuples(case['momentum_config'])
    runner.register_lr_hook(lr_config)
    if momentum_config:
        runner.register_momentum_hook(momentum_config)
    recorder = Recorder()
    runner.register_hook(recorder, 'LOWEST')
    runner.run([DataLoader(torch.randn(8, 2), batch_size=2)], [('train', 1)])
    return recorder


@pytest.mark.parametrize('name', sorted(GOLDEN))
def test_schedule_matches_mmcv(name, tmp_path):
    case = GOLDEN[name]
    recorder = replay(case, tmp_path)
    assert recorder.lr == case['lr']
    assert [_as_lists(m) for m in recorder.momentum] == case['momentum']


def _as_lists(value):
    return {k: list(v) for k, v in value.items()} if isinstance(value, dict) else list(value)


def test_golden_covers_every_policy_and_warmup():
    policies = {name.split('/')[1] for name in GOLDEN if name.startswith('lr/')}
    assert {'fixed', 'step_list', 'exp', 'poly', 'inv', 'cosine_min', 'flat_cosine', 'cosine_restart',
            'cyclic', 'onecycle', 'linear_annealing'} <= policies
    warmups = {part for name in GOLDEN for part in name.split('/') if part.startswith('warm=')}
    assert warmups >= {'warm=None', 'warm=constant', 'warm=linear', 'warm=exp'}
    momentum = {name.split('/')[1] for name in GOLDEN if name.startswith('mom/')}
    assert {'step', 'cosine', 'linear', 'cyclic', 'onecycle'} <= momentum


def test_caller_lr_config_is_not_mutated(tmp_path):
    case = dict(GOLDEN['lr/step_list/warm=linear/by_epoch=True'])
    before = json.dumps(case['lr_config'])
    replay(case, tmp_path)
    assert json.dumps(case['lr_config']) == before
