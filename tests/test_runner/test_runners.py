"""EpochBasedRunner / IterBasedRunner semantics, hook wiring and errors."""
import copy
import json
import logging
import os.path as osp
import time

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from mmlite.runner import (RUNNERS, BaseRunner, CheckpointHook, ClosureHook, EpochBasedRunner, Hook, IterBasedRunner,
                           IterTimerHook, OptimizerHook, Runner, StepLrUpdaterHook, TextLoggerHook, build_runner)

from ..conftest import ToyModel, make_runner, toy_loader

GOLDEN_ORDER = json.load(open(osp.join(osp.dirname(osp.dirname(__file__)), 'data',
                                       'mmcv_call_order_golden.json')))
QUIET = logging.getLogger('runner_tests_quiet')
QUIET.setLevel(logging.CRITICAL)


class Recording(Hook):
    """Records (hook name, stage, mode, epoch, iter, inner_iter) for every stage."""

    def __init__(self, name, calls):
        self.name, self.calls = name, calls


def _recorder(stage):

    def record(self, runner):
        self.calls.append([self.name, stage, runner.mode, runner.epoch, runner.iter, runner.inner_iter])

    return record


class Full(Recording):
    pass


class Shared(Recording):
    pass


for _stage in Hook.stages:
    setattr(Full, _stage, _recorder(_stage))
for _stage in ('before_run', 'after_run', 'before_epoch', 'after_epoch', 'before_iter', 'after_iter'):
    setattr(Shared, _stage, _recorder(_stage))


class OneParam(nn.Module):

    def __init__(self, calls):
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.calls = calls

    def _step(self, name, data):
        self.calls.append(['model', name])
        loss = self.linear(data).sum()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=1)

    def train_step(self, data, optimizer=None, **kwargs):
        return self._step('train_step', data)

    def val_step(self, data, optimizer=None, **kwargs):
        return self._step('val_step', data)


@pytest.mark.parametrize('kind', ['epoch', 'iter'])
def test_call_order_and_counters_match_mmcv(kind, tmp_path):
    """Mixed priorities over a [('train', 2), ('val', 1)] workflow (golden from mmcv 1.7.2)."""
    calls = []
    model = OneParam(calls)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    if kind == 'epoch':
        runner = EpochBasedRunner(model, optimizer=opt, work_dir=str(tmp_path), logger=QUIET, max_epochs=3)
    else:
        runner = IterBasedRunner(model, optimizer=opt, work_dir=str(tmp_path), logger=QUIET, max_iters=5)
    for name, prio in [('low', 'LOW'), ('high', 'HIGH'), ('normal_a', 'NORMAL'), ('int45', 45),
                       ('normal_b', 'NORMAL')]:
        runner.register_hook(Full(name, calls), prio)
    runner.register_hook(Shared('shared', calls), 'VERY_LOW')
    loaders = [DataLoader(torch.ones(3, 1), batch_size=1), DataLoader(torch.ones(2, 1), batch_size=1)]
    runner.run(loaders, [('train', 2), ('val', 1)])
    assert calls == GOLDEN_ORDER[kind]
    assert runner.get_hook_info() == GOLDEN_ORDER[kind + '_info']


def test_epoch_counters(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=3)
    runner.run([toy_loader(8, 2)], [('train', 1)])
    assert (runner.epoch, runner.iter, runner.inner_iter, runner.max_iters) == (3, 12, 3, 12)


def test_iter_counters_and_loader_epochs(tmp_path):
    runner = make_runner('iter', tmp_path, max_iters=10)
    runner.run([toy_loader(8, 2)], [('train', 1)])
    assert runner.iter == 10 and runner.epoch == 2  # 10 iterations over a 4-batch loader


def test_custom_runner_from_mmengine_migration_guide(tmp_path):
    """A user's subclass that overrides train() with the private counters must run unchanged."""

    @RUNNERS.register_module(force=True)
    class CustomRunner(EpochBasedRunner):

        def train(self, data_loader, **kwargs):
            self.model.train()
            self.mode = 'train'
            self.data_loader = data_loader
            self._max_iters = self._max_epochs * len(self.data_loader)
            self.call_hook('before_train_epoch')
            for i, data_batch in enumerate(self.data_loader):
                self._inner_iter = i
                for _ in range(2):  # train each batch twice
                    self.call_hook('before_train_iter')
                    self.run_iter(data_batch, train_mode=True, **kwargs)
                    self.call_hook('after_train_iter')
                    self._iter += 1
            self.call_hook('after_train_epoch')
            self._epoch += 1

    model = ToyModel()
    runner = build_runner(dict(type='CustomRunner', max_epochs=2),
                          default_args=dict(model=model, logger=QUIET, work_dir=str(tmp_path),
                                            optimizer=torch.optim.SGD(model.parameters(), lr=0.01)))
    runner.register_training_hooks(lr_config=dict(policy='fixed'), optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1),
                                   log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    runner.run([toy_loader(4, 2)], [('train', 1)])
    assert runner.iter == 8 and runner.epoch == 2
    assert osp.isfile(osp.join(tmp_path, 'epoch_2.pth'))


def test_legacy_batch_processor(tmp_path):

    class NoStep(nn.Module):

        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

    seen = []

    def batch_processor(model, data, train_mode, **kwargs):
        seen.append(train_mode)
        loss = model.linear(data['x']).pow(2).mean()
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=2)

    with pytest.warns(DeprecationWarning, match='batch_processor is deprecated'):
        runner = EpochBasedRunner(NoStep(), batch_processor=batch_processor, logger=QUIET,
                                  work_dir=str(tmp_path), max_epochs=1)
    runner.run([toy_loader(4, 2), toy_loader(4, 2)], [('train', 1), ('val', 1)])
    assert seen == [True, True, False, False]
    with pytest.raises(RuntimeError, match='cannot be both available'):
        EpochBasedRunner(ToyModel(), batch_processor=batch_processor, logger=QUIET)
    with pytest.raises(TypeError, match='batch_processor must be callable'):
        EpochBasedRunner(NoStep(), batch_processor=3, logger=QUIET)


def test_constructor_errors(tmp_path):
    model = ToyModel()
    with pytest.raises(TypeError, match='optimizer must be a torch.optim.Optimizer'):
        EpochBasedRunner(model, optimizer='sgd', logger=QUIET)
    with pytest.raises(TypeError, match=r'optimizer\["b"\] is a'):
        EpochBasedRunner(model, optimizer=dict(a=torch.optim.SGD(model.parameters(), lr=1), b=1),
                         logger=QUIET)
    with pytest.raises(TypeError, match='logger must be a logging.Logger'):
        EpochBasedRunner(model, logger='x')
    with pytest.raises(TypeError, match='meta must be a dict'):
        EpochBasedRunner(model, logger=QUIET, meta=[1])
    with pytest.raises(ValueError, match='Only one of'):
        EpochBasedRunner(model, logger=QUIET, max_epochs=1, max_iters=1)
    with pytest.raises(TypeError, match='work_dir'):
        EpochBasedRunner(model, logger=QUIET, work_dir=3)
    with pytest.raises(TypeError, match='has no train_step'):
        EpochBasedRunner(nn.Linear(1, 1), logger=QUIET)
    assert EpochBasedRunner(model).logger.name == 'mmlite'  # a default logger


def test_run_argument_errors(tmp_path):
    runner = make_runner('epoch', tmp_path)
    loader = toy_loader()
    with pytest.raises(TypeError, match='data_loaders must be a list'):
        runner.run(loader, [('train', 1)])
    with pytest.raises(ValueError, match='one loader per phase'):
        runner.run([loader], [('train', 1), ('val', 1)])
    with pytest.raises(ValueError, match='no method named "test"'):
        runner.run([loader], [('test', 1)])
    with pytest.raises(TypeError, match='list of \\(mode, count\\) tuples'):
        runner.run([loader], ['train'])
    no_length = make_runner('epoch', tmp_path, max_epochs=None)
    with pytest.raises(ValueError, match='max_epochs must be specified'):
        no_length.run([loader], [('train', 1)])


def test_deprecated_length_argument_of_run(runner_kind, tmp_path):
    runner = make_runner(runner_kind, tmp_path, max_epochs=None, max_iters=None)
    with pytest.warns(DeprecationWarning, match='deprecated'):
        if runner_kind == 'epoch':
            runner.run([toy_loader()], [('train', 1)], max_epochs=1)
        else:
            runner.run([toy_loader()], [('train', 1)], max_iters=3)
    assert runner.iter == (4 if runner_kind == 'epoch' else 3)


def test_runner_alias_is_deprecated(tmp_path):
    with pytest.warns(DeprecationWarning, match='EpochBasedRunner'):
        runner = Runner(ToyModel(), logger=QUIET, max_epochs=1)
    assert isinstance(runner, EpochBasedRunner)


def test_non_dict_step_output_is_a_type_error(runner_kind, tmp_path):

    class Bad(ToyModel):

        def train_step(self, data, optimizer=None, **kwargs):
            return [1, 2]

    runner = make_runner(runner_kind, tmp_path, model=Bad())
    with pytest.raises(TypeError, match=r'model.train_step\(\) must return a dict.*list'):
        runner.run([toy_loader()], [('train', 1)])


def test_failure_in_a_hook_is_logged_with_position(tmp_path, caplog):

    def explode(runner):
        if runner.iter == 2:
            raise ZeroDivisionError('boom')

    runner = make_runner('epoch', tmp_path, logger=logging.getLogger('runner_fail_test'))
    runner.register_hook(ClosureHook('after_train_iter', explode))
    with caplog.at_level(logging.ERROR, logger='runner_fail_test'), pytest.raises(ZeroDivisionError):
        runner.run([toy_loader()], [('train', 1)])
    text = caplog.text
    assert 'ClosureHook.after_train_iter failed' in text and 'epoch 1, iter 3' in text
    assert 'mode=train' in text and 'boom' in text


def test_current_lr_and_momentum(tmp_path):
    model = ToyModel()
    runner = EpochBasedRunner(model, logger=QUIET)
    with pytest.raises(RuntimeError, match='lr is not applicable'):
        runner.current_lr()
    with pytest.raises(RuntimeError, match='momentum is not applicable'):
        runner.current_momentum()
    runner.optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.7)
    assert runner.current_lr() == [0.3] and runner.current_momentum() == [0.7]
    runner.optimizer = dict(a=torch.optim.Adam(model.parameters(), lr=0.2, betas=(0.8, 0.9)),
                            b=torch.optim.RMSprop(model.parameters(), lr=0.1))
    assert runner.current_lr() == dict(a=[0.2], b=[0.1])
    assert runner.current_momentum() == dict(a=[0.8], b=[0])


def test_register_training_hooks_priorities_and_types(tmp_path):
    runner = make_runner('epoch', tmp_path)
    configs = dict(lr_config=dict(policy='step', step=[1]), optimizer_config=dict(grad_clip=None),
                   checkpoint_config=dict(interval=1),
                   momentum_config=dict(policy='CosineAnnealing', min_momentum_ratio=0.5),
                   log_config=dict(interval=5, hooks=[dict(type='TextLoggerHook')]),
                   custom_hooks_config=[dict(type='EmptyCacheHook', priority='BELOW_NORMAL')])
    frozen = copy.deepcopy(configs)
    runner.register_training_hooks(**configs)
    assert configs == frozen  # nothing popped or defaulted in the caller's dicts
    names = [(type(h).__name__, h.priority) for h in runner.hooks]
    assert names == [('StepLrUpdaterHook', 10), ('CosineAnnealingMomentumUpdaterHook', 30),
                     ('OptimizerHook', 40), ('CheckpointHook', 50), ('EmptyCacheHook', 60),
                     ('IterTimerHook', 70), ('TextLoggerHook', 90)]
    assert runner.hooks[-1].interval == 5


def test_iter_runner_defaults_hooks_to_by_iteration(tmp_path):
    runner = make_runner('iter', tmp_path)
    lr, ckpt = dict(policy='step', step=[4]), dict(interval=2)
    log = dict(interval=2, hooks=[dict(type='TextLoggerHook')])
    runner.register_training_hooks(lr_config=lr, checkpoint_config=ckpt, log_config=log,
                                   optimizer_config=dict())
    assert 'by_epoch' not in lr and 'by_epoch' not in ckpt and 'by_epoch' not in log['hooks'][0]
    by_type = {type(h): h for h in runner.hooks}
    assert not by_type[StepLrUpdaterHook].by_epoch and not by_type[CheckpointHook].by_epoch
    assert not by_type[TextLoggerHook].by_epoch and IterTimerHook in by_type


def test_hook_instances_and_none_sections(tmp_path):
    runner = make_runner('epoch', tmp_path)
    runner.register_training_hooks(lr_config=None, optimizer_config=OptimizerHook(), timer_config=None)
    assert [type(h) for h in runner.hooks] == [OptimizerHook]


@pytest.mark.parametrize('section,cfg,message', [
    ('lr_config', dict(policy='cosine'),
     "'CosineLrUpdaterHook' is not in the hook registry (from lr_config.policy='cosine'). "
     "Did you mean 'CosineAnnealingLrUpdaterHook'"),
    ('lr_config', dict(step=[1]), 'lr_config needs a "policy" key'),
    ('optimizer_config', dict(type='OptimiserHook'), "Did you mean 'OptimizerHook'"),
    ('checkpoint_config', [1], 'checkpoint_config must be a dict, a Hook or None'),
])
def test_registration_errors_name_the_section(section, cfg, message, tmp_path):
    runner = make_runner('epoch', tmp_path)
    kwargs = dict(lr_config=None)
    kwargs[section] = cfg
    with pytest.raises((KeyError, TypeError)) as info:
        runner.register_training_hooks(**kwargs)
    assert message in str(info.value)


def test_register_hook_checks(tmp_path):
    runner = make_runner('epoch', tmp_path)
    with pytest.raises(TypeError, match='Hook instance'):
        runner.register_hook(object())
    hook = Hook()
    hook.priority = 1
    with pytest.raises(ValueError, match='reserved'):
        runner.register_hook(hook)
    with pytest.raises(KeyError, match='unknown priority'):
        runner.register_hook(Hook(), 'SUPER')
    runner.register_hook_from_cfg(dict(type='EmptyCacheHook', priority=12))
    assert runner.hooks[0].priority == 12


def test_closure_hook_stage_shows_in_hook_info(tmp_path):
    runner = make_runner('epoch', tmp_path)
    runner.register_hook(ClosureHook('after_train_epoch', lambda r: None))
    assert 'after_train_epoch:\n(NORMAL      ) ClosureHook' in runner.get_hook_info()
    with pytest.raises(ValueError, match='not a hook stage'):
        ClosureHook('after_everything', print)


def test_build_runner_variants(tmp_path):
    common = dict(model=ToyModel(), logger=QUIET)
    assert isinstance(build_runner(dict(type='IterBasedRunner', max_iters=3), common), IterBasedRunner)
    with pytest.warns(DeprecationWarning):
        runner = build_runner(dict(runner_type='EpochBasedRunner', max_epochs=1), common)
    assert isinstance(runner, EpochBasedRunner)
    with pytest.raises(KeyError, match="Did you mean 'EpochBasedRunner'"):
        build_runner(dict(type='EpochBaseRunner', max_epochs=1), common)
    cfg = dict(type='EpochBasedRunner', max_epochs=1)
    build_runner(cfg, common)
    assert cfg == dict(type='EpochBasedRunner', max_epochs=1)


def test_epoch_transition_has_no_sleep(tmp_path):
    """mmcv slept 2 s per epoch and 1 s per run; an empty epoch here takes milliseconds."""
    runner = make_runner('epoch', tmp_path, max_epochs=20)
    start = time.perf_counter()
    runner.run([toy_loader(2, 2)], [('train', 1)])
    assert (time.perf_counter() - start) / 20 < 0.5


def test_abstract_base():
    with pytest.raises(TypeError):
        BaseRunner(ToyModel())


def test_iter_runner_register_training_hooks_takes_mmcv_positional_order(tmp_path):
    """mmdet's train_detector passes (lr, optimizer, checkpoint, log, momentum) positionally."""
    import inspect
    assert list(inspect.signature(IterBasedRunner.register_training_hooks).parameters)[1:4] == [
        'lr_config', 'optimizer_config', 'checkpoint_config']
    runner = IterBasedRunner(ToyModel(), optimizer=torch.optim.SGD(ToyModel().parameters(), lr=0.1),
                             work_dir=str(tmp_path), max_iters=2)
    runner.register_training_hooks(dict(policy='fixed'), dict(grad_clip=None), dict(interval=1),
                                   dict(interval=1, hooks=[]))
    names = [type(h).__name__ for h in runner.hooks]
    assert 'OptimizerHook' in names and 'CheckpointHook' in names


class CountingCheckpointHook(CheckpointHook):
    """A user subclass that acts every iteration even when by_epoch (never skipped as idle)."""

    def after_train_iter(self, runner):
        self.seen = getattr(self, 'seen', 0) + 1


def test_idle_stock_hooks_are_skipped_but_subclasses_and_changes_are_honoured(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=2)
    runner.register_training_hooks(lr_config=dict(policy='step', step=[1]), optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1000, save_last=False))
    subclass = CountingCheckpointHook(interval=1000, save_last=False)
    runner.register_hook(subclass)
    stock = next(h for h in runner.hooks if type(h) is CheckpointHook)

    def switch_to_iterations(r):
        stock.by_epoch = False  # takes effect from the next epoch boundary
        stock.interval = 2

    runner.register_hook(ClosureHook('after_train_epoch', switch_to_iterations))
    runner.run([toy_loader(8, 2)], [('train', 1)])
    stages = {stage: [type(hook) for hook, _ in runner._stage_methods(stage)]
              for stage in ('before_train_iter', 'after_train_iter')}
    assert subclass.seen == 8  # called in both epochs although by_epoch
    assert StepLrUpdaterHook not in stages['before_train_iter']  # by epoch, no warm-up: idle
    assert CheckpointHook in stages['after_train_iter']  # acts by iteration after the switch
    assert sorted(p.name for p in tmp_path.glob('iter_*.pth')) == ['iter_6.pth', 'iter_8.pth']


def test_by_epoch_warmup_still_runs_every_iteration_until_it_ends(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=3, lr=1.0)
    runner.register_training_hooks(lr_config=dict(policy='fixed', warmup='linear', warmup_iters=5,
                                                  warmup_ratio=0.5), optimizer_config=dict())
    lrs = []
    runner.register_hook(ClosureHook('after_train_iter', lambda r: lrs.append(r.current_lr()[0])))
    runner.run([toy_loader(8, 2)], [('train', 1)])
    expected = [1 - (1 - i / 5) * 0.5 for i in range(5)] + [1.0] * 7
    assert lrs == pytest.approx(expected)


def test_shared_stage_methods_are_called_for_train_and_val_iterations(tmp_path):
    calls = []

    class SharedOnly(Hook):
        def before_iter(self, runner):
            calls.append(('before', runner.mode))

    runner = make_runner('epoch', tmp_path, max_epochs=1)
    runner.register_hook(SharedOnly())
    runner.register_hook(ClosureHook('after_iter', lambda r: calls.append(('after', r.mode))))
    runner.run([toy_loader(4, 2), toy_loader(2, 2)], [('train', 1), ('val', 1)])
    assert calls == [('before', 'train'), ('after', 'train')] * 2 + [('before', 'val'), ('after', 'val')]
