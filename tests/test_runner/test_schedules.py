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


def _iter_runner(tmp_path, lr_config, *hooks):
    model = TwoLayer()
    logger = logging.getLogger('schedule_tests')
    runner = IterBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_iters=12,
                             work_dir=str(tmp_path), logger=logger)
    runner.register_lr_hook(lr_config)
    for hook in hooks:
        runner.register_hook(hook, 'LOWEST')
    runner.run([DataLoader(torch.randn(8, 2), batch_size=2)], [('train', 1)])
    return runner


def test_lr_rewritten_each_iteration_after_someone_else_changed_it(tmp_path):
    """Between milestones the step schedule skips its recomputation, but only while the optimizer
    still holds what it wrote: a hook that halves the LR after each step sees mmcv's behaviour
    (the schedule restores it before the next iteration)."""
    seen = []

    class HalveAfterStep(Hook):
        def after_train_iter(self, runner):
            seen.append(runner.current_lr()[0])
            for group in runner.optimizer.param_groups:
                group['lr'] *= 0.5

    _iter_runner(tmp_path, dict(policy='step', step=[6], by_epoch=False), HalveAfterStep())
    assert seen == pytest.approx([0.1] * 6 + [0.01] * 6)


def test_schedule_subclass_is_asked_every_iteration(tmp_path):
    from mmlite.runner.hooks.lr_updater import StepLrUpdaterHook
    asked = []

    class Recording(StepLrUpdaterHook):
        def get_lr(self, runner, base_lr):
            asked.append(runner.iter)
            return super().get_lr(runner, base_lr)

    model = TwoLayer()
    runner = IterBasedRunner(model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_iters=5,
                             work_dir=str(tmp_path), logger=logging.getLogger('schedule_tests'))
    runner.register_hook(Recording(step=[3], by_epoch=False), 'VERY_HIGH')
    runner.run([DataLoader(torch.randn(8, 2), batch_size=2)], [('train', 1)])
    assert sorted(set(asked)) == [0, 1, 2, 3, 4]


def test_steady_until_of_stock_step_and_fixed_schedules():
    from types import SimpleNamespace

    from mmlite.runner.hooks.lr_updater import FixedLrUpdaterHook, StepLrUpdaterHook
    at = SimpleNamespace(iter=7, max_iters=100)
    assert StepLrUpdaterHook(step=[5, 10, 20], by_epoch=False).steady_until(at) == 10
    assert StepLrUpdaterHook(step=4, by_epoch=False).steady_until(at) == 8
    assert StepLrUpdaterHook(step=[5], by_epoch=False).steady_until(at) > 10**9
    assert FixedLrUpdaterHook(by_epoch=False).steady_until(at) > 10**9
