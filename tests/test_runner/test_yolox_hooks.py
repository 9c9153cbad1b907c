"""YOLOX's hooks: the 'YOLOX' LR policy and ExpMomentumEMAHook give mmdet 2.28.2's learning rates, weights and
averages on the same run; the mode switch turns the mixing off and the L1 loss on, also after a resume.

tests/data/mmdet2282_yolox_hooks_golden.pth: mmcv 1.7.2's EpochBasedRunner (8 epochs of 3 iterations) on a
Linear + BatchNorm1d model with mmdet's YOLOX policy (2 warm-up epochs, 2 flat last epochs) and
ExpMomentumEMAHook(momentum=0.01, total_iter=10): the LR after every iteration and the final state dict.
"""
import logging
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmlite.core.hook import ExpMomentumEMAHook, LinearMomentumEMAHook, SyncNormHook, YOLOXModeSwitchHook
from mmlite.runner import HOOKS, EpochBasedRunner, Hook, build_optimizer

GOLDEN = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_yolox_hooks_golden.pth'),
                    weights_only=False)


class _Model(nn.Module):

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)

    def train_step(self, data, optimizer):
        loss = (self.bn(self.fc(data))**2).mean() + self.fc.weight.sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data))


class _RecordLr(Hook):

    def __init__(self):
        self.lrs = []

    def after_train_iter(self, runner):
        self.lrs.append(runner.optimizer.param_groups[0]['lr'])


def test_lr_policy_and_ema_match_mmdet(tmp_path):
    torch.manual_seed(0)
    loader = [torch.randn(4, 3) for _ in range(3)]
    model = _Model()
    optimizer = build_optimizer(model, dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
    runner = EpochBasedRunner(model, optimizer=optimizer, work_dir=str(tmp_path), logger=logging.getLogger('t'),
                              max_epochs=8)
    runner.register_training_hooks(dict(policy='YOLOX', warmup='exp', by_epoch=False, warmup_by_epoch=True,
                                        warmup_ratio=1, warmup_iters=2, num_last_epochs=2, min_lr_ratio=0.05),
                                   dict(grad_clip=None))
    record = _RecordLr()
    runner.register_hook(record, priority='LOWEST')
    runner.register_hook(HOOKS.build(dict(type='ExpMomentumEMAHook', momentum=0.01, total_iter=10)), priority=49)
    runner.run([loader], [('train', 1)])
    assert record.lrs == pytest.approx(GOLDEN['lrs'], rel=1e-9)
    state = model.state_dict()
    assert list(state) == list(GOLDEN['state'])
    for key, value in GOLDEN['state'].items():
        torch.testing.assert_close(state[key], value, rtol=1e-5, atol=1e-6, msg=key)


def test_momentum_schedules():
    exp = ExpMomentumEMAHook(momentum=0.0001, total_iter=2000)
    assert exp.get_momentum(SimpleNamespace(iter=0)) == pytest.approx(0.9999 * math.exp(-1 / 2000) + 0.0001)
    assert exp.get_momentum(SimpleNamespace(iter=10**6)) == pytest.approx(0.0001)
    linear = LinearMomentumEMAHook(momentum=0.5, interval=2, warm_up=100)
    assert linear.get_momentum(SimpleNamespace(iter=0)) == pytest.approx(1 / 100)  # warming up
    assert linear.get_momentum(SimpleNamespace(iter=10**6)) == pytest.approx(0.5**2)


class _MixDataset:

    def __init__(self):
        self._skip_type_keys = None

    def update_skip_type_keys(self, keys):
        self._skip_type_keys = keys


def _runner(epoch, max_epochs=10, dataset=None):
    model = SimpleNamespace(bbox_head=SimpleNamespace(use_l1=False))
    loader = SimpleNamespace(dataset=dataset or _MixDataset(), persistent_workers=True, _iterator=object())
    return SimpleNamespace(epoch=epoch, max_epochs=max_epochs, model=model, data_loader=loader,
                           logger=logging.getLogger('t'))


def test_mode_switch_starts_with_the_last_epochs_and_after_a_resume():
    hook = YOLOXModeSwitchHook(num_last_epochs=3)
    early = _runner(epoch=5)
    hook.before_train_epoch(early)
    assert early.data_loader.dataset._skip_type_keys is None and not early.model.bbox_head.use_l1
    for epoch in (6, 8):  # 6: the first of the last epochs; 8: a fresh hook after resuming at epoch 8
        runner = _runner(epoch)
        YOLOXModeSwitchHook(num_last_epochs=3).before_train_epoch(runner)
        assert runner.data_loader.dataset._skip_type_keys == ('Mosaic', 'RandomAffine', 'MixUp')
        assert runner.model.bbox_head.use_l1 and runner.data_loader._iterator is None
    with pytest.raises(TypeError, match='MultiImageMixDataset'):
        YOLOXModeSwitchHook(num_last_epochs=3).before_train_epoch(_runner(7, dataset=[1, 2]))


def test_sync_norm_hook_is_a_no_op_in_one_process_and_tightens_its_interval():
    hook = SyncNormHook(num_last_epochs=3, interval=10)
    runner = SimpleNamespace(epoch=8, max_epochs=10, model=nn.BatchNorm1d(2))
    hook.before_train_epoch(runner)
    assert hook.interval == 1
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    hook.after_train_epoch(runner)
    assert all(torch.equal(before[k], v) for k, v in runner.model.state_dict().items())
