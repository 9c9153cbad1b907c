"""EvalHook, EMAHook, ProfilerHook, sampler seeding, timers, buffers and priorities."""
import json
import os
import os.path as osp
import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mmlite.runner import (DistEvalHook, DistSamplerSeedHook, EMAHook, EmptyCacheHook, EvalHook, IterTimerHook,
                           LogBuffer, Priority, ProfilerHook, SyncBuffersHook, get_priority)

from ..conftest import ToyDataset, make_runner, toy_loader


class ScriptedDataset(ToyDataset):
    """Evaluates to the next value of a script: lets tests choose the metric trajectory."""

    def __init__(self, scores, key='bbox_mAP'):
        super().__init__(4)
        self.scores, self.key = list(scores), key

    def evaluate(self, results, logger=None, **kwargs):
        return {f'{self.key}_copypaste': 'x y', self.key: self.scores.pop(0)}


def eval_runner(tmp_path, scores, max_epochs=3, **hook_kwargs):
    runner = make_runner('epoch', tmp_path, max_epochs=max_epochs)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1))
    loader = DataLoader(ScriptedDataset(scores, hook_kwargs.pop('key', 'bbox_mAP')), batch_size=2)
    hook = EvalHook(loader, **hook_kwargs)
    runner.register_hook(hook, 'LOW')
    return runner, hook


def test_save_best_keeps_only_the_best_checkpoint(tmp_path):
    runner, hook = eval_runner(tmp_path, [0.3, 0.5, 0.4], save_best='bbox_mAP')
    runner.run([toy_loader()], [('train', 1)])
    bests = [f for f in os.listdir(tmp_path) if f.startswith('best_')]
    assert bests == ['best_bbox_mAP_epoch_2.pth']
    assert runner.meta['hook_msgs']['best_score'] == 0.5
    assert hook.rule == 'greater'
    saved = torch.load(osp.join(tmp_path, 'epoch_3.pth'), weights_only=True)['meta']['hook_msgs']
    assert saved['best_ckpt'].endswith('best_bbox_mAP_epoch_2.pth')


def test_save_best_auto_skips_text_metrics_and_less_rule(tmp_path):
    runner, hook = eval_runner(tmp_path, [0.9, 0.2, 0.5], save_best='auto', key='val_loss')
    runner.run([toy_loader()], [('train', 1)])
    assert hook.key_indicator == 'val_loss' and hook.rule == 'less'
    assert [f for f in os.listdir(tmp_path) if f.startswith('best_')] == ['best_val_loss_epoch_2.pth']


def test_best_score_survives_resume(tmp_path):
    runner, _ = eval_runner(tmp_path, [0.6, 0.1], max_epochs=2, save_best='bbox_mAP')
    runner.run([toy_loader()], [('train', 1)])
    resumed, hook = eval_runner(tmp_path, [0.55], max_epochs=3, save_best='bbox_mAP')
    resumed.resume(osp.join(tmp_path, 'epoch_2.pth'))
    resumed.run([toy_loader()], [('train', 1)])
    assert resumed.meta['hook_msgs']['best_score'] == 0.6  # 0.55 is no improvement
    assert [f for f in os.listdir(tmp_path) if f.startswith('best_')] == ['best_bbox_mAP_epoch_1.pth']


def test_eval_start_and_interval(tmp_path):
    runner, _ = eval_runner(tmp_path, [0.1, 0.2, 0.3], max_epochs=4, start=1, interval=2)
    evaluated = []
    original = EvalHook._do_evaluate

    def spy(self, r):
        evaluated.append(r.epoch)
        original(self, r)

    EvalHook._do_evaluate = spy
    try:
        runner.run([toy_loader()], [('train', 1)])
    finally:
        EvalHook._do_evaluate = original
    assert evaluated == [0, 2]  # epochs 1 and 3 (start=1, then every 2)


def test_eval_results_logged_as_val_records(tmp_path):
    runner, _ = eval_runner(tmp_path, [0.3, 0.5, 0.4], max_epochs=1)
    runner.register_logger_hooks(dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    runner.run([toy_loader()], [('train', 1)])
    records = [json.loads(line) for line in open(osp.join(tmp_path, f'{runner.timestamp}.log.json'))]
    val = [r for r in records if r.get('mode') == 'val']
    assert len(val) == 1 and val[0]['bbox_mAP'] == 0.3 and val[0]['iter'] == 2
    assert all('bbox_mAP' not in r for r in records if r.get('mode') == 'train')


def test_evaluation_does_not_change_training_randomness(tmp_path):
    runner, _ = eval_runner(tmp_path, [0.3])
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = (random.random(), np.random.rand(), torch.rand(1))
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    runner.hooks[-1]._do_evaluate(runner)  # draws from the RNGs while loading/testing
    assert (random.random(), np.random.rand(), torch.rand(1)) == expected


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(dataloader=[1]), TypeError, 'pytorch DataLoader'),
    (dict(interval=0), ValueError, 'positive'),
    (dict(start=-1), ValueError, 'smaller than 0'),
    (dict(save_best='weird_metric'), ValueError, 'Cannot infer the rule for key weird_metric'),
    (dict(save_best='bbox_mAP', rule='bigger'), KeyError, 'rule must be greater, less or None'),
])
def test_eval_hook_argument_errors(kwargs, error, match):
    args = dict(dataloader=DataLoader(ToyDataset(2)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        EvalHook(args.pop('dataloader'), **args)


def test_dist_eval_hook_defaults():
    hook = DistEvalHook(DataLoader(ToyDataset(2)), gpu_collect=True)
    assert hook.broadcast_bn_buffer and hook.gpu_collect and hook.tmpdir is None


def test_ema_hook_average_and_resume(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=2)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1),
                                   custom_hooks_config=[dict(type='EMAHook', momentum=0.5, warm_up=1)])
    trained = []
    from mmlite.runner import ClosureHook
    runner.register_hook(ClosureHook('after_train_iter', lambda r: trained.append(
        r.model.linear.weight.detach().clone())), 'LOWEST')
    start = runner.model.linear.weight.detach().clone()
    runner.run([toy_loader()], [('train', 1)])
    ema = start
    for i, w in enumerate(trained):
        m = min(0.5, (1 + i) / (1 + i))
        ema = ema * (1 - m) + w * m
    # after the last epoch the model holds the averaged weights
    assert torch.allclose(runner.model.linear.weight, ema, atol=1e-6)
    ckpt = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=True)
    assert 'ema_linear_weight' in ckpt['state_dict']
    resumed = make_runner('epoch', tmp_path, max_epochs=2)
    hook = EMAHook(momentum=0.5, warm_up=1)
    resumed.register_hook(hook)
    resumed.resume(osp.join(tmp_path, 'epoch_1.pth'))
    hook.before_run(resumed)
    assert torch.equal(hook.model_buffers['ema_linear_weight'], ckpt['state_dict']['ema_linear_weight'])
    with pytest.raises(ValueError):
        EMAHook(momentum=1.5)


def test_profiler_hook_exports_a_trace(tmp_path):
    runner = make_runner('iter', tmp_path, max_iters=3)
    trace = str(tmp_path / 'trace.json')
    runner.register_hook(ProfilerHook(by_epoch=False, profile_iters=2, activities=['cpu'],
                                      json_trace_path=trace))
    runner.register_hook(IterTimerHook())
    runner.run([toy_loader()], [('train', 1)])
    assert json.load(open(trace))['traceEvents']
    with pytest.raises(ValueError, match='activity'):
        ProfilerHook(activities=['tpu'])


def test_sampler_seed_hook_sets_epoch(tmp_path):
    from torch.utils.data import DistributedSampler
    dataset = ToyDataset(8)
    sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=3)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler)
    runner = make_runner('epoch', tmp_path, max_epochs=3)
    seen = []
    from mmlite.runner import ClosureHook
    runner.register_hook(DistSamplerSeedHook())
    runner.register_hook(ClosureHook('before_train_epoch', lambda r: seen.append(sampler.epoch)), 'LOW')
    runner.run([loader], [('train', 1)])
    assert seen == [0, 1, 2]


def test_timer_cache_and_sync_hooks_run_on_cpu(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=1)
    for hook in (IterTimerHook(), EmptyCacheHook(before_epoch=True, after_iter=True), SyncBuffersHook()):
        runner.register_hook(hook)
    runner.run([toy_loader()], [('train', 1)])
    times = runner.log_buffer.val_history['time']
    assert len(times) == 4 and all(t > 0 for t in times)


def test_log_buffer_average_trimming_and_tensors():
    buf = LogBuffer(max_history=10)
    for i in range(1, 101):
        buf.update({'a': float(i), 'b': torch.tensor(float(i))}, count=1)
    assert len(buf.val_history['a']) <= 20  # constant memory
    buf.average(4)
    assert buf.output['a'] == pytest.approx(98.5) and buf.output['b'] == pytest.approx(98.5)
    buf.average()
    assert buf.output['a'] == pytest.approx(50.5)  # exact over all 100 despite trimming
    assert buf.output['b'] == pytest.approx(50.5)
    assert buf.ready
    buf.clear_output()
    assert not buf.ready and not buf.output
    buf.update({'w': 1.0}, count=3)
    buf.update({'w': 2.0}, count=1)
    buf.average(2)
    assert buf.output['w'] == pytest.approx(1.25)
    with pytest.raises(TypeError):
        buf.update([1])
    buf.clear()
    assert not buf.val_history


def test_priorities():
    assert [p.value for p in Priority] == [0, 10, 30, 40, 50, 60, 70, 90, 100]
    assert get_priority('very_high') == 10 and get_priority(Priority.LOW) == 70 and get_priority(7) == 7
    with pytest.raises(ValueError):
        get_priority(101)
    with pytest.raises(TypeError):
        get_priority(1.5)
