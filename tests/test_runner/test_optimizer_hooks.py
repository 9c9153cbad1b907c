"""OptimizerHook family: clipping, anomalies, non-finite losses, accumulation, mixed precision."""
import logging
import os.path as osp

import pytest
import torch
import torch.nn as nn

from mmlite.runner import (ClosureHook, Fp16OptimizerHook, GradientCumulativeFp16OptimizerHook,
                           GradientCumulativeOptimizerHook, NonFiniteLossError, OptimizerHook, auto_fp16, force_fp32,
                           wrap_fp16_model)

from ..conftest import ToyModel, make_runner, toy_loader


def test_grad_clip_clips_and_logs_norm_as_tensor(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=1, lr=0.0)
    seen = []
    runner.register_hook(OptimizerHook(grad_clip=dict(max_norm=0.01)), 'ABOVE_NORMAL')
    runner.register_hook(ClosureHook('after_train_iter', lambda r: seen.append(
        (r.log_buffer.val_history['grad_norm'][-1],
         torch.cat([p.grad.flatten() for p in r.model.parameters()]).norm()))), 'LOW')
    runner.run([toy_loader()], [('train', 1)])
    for logged, after in seen:
        assert isinstance(logged, torch.Tensor) and logged > 0.01
        assert after <= 0.01 + 1e-6


def test_grad_clip_config_is_validated():
    with pytest.raises(TypeError, match='grad_clip must be a dict'):
        OptimizerHook(grad_clip=35)
    with pytest.raises(ValueError, match='nonfinite must be one of'):
        OptimizerHook(nonfinite='explode')


def test_detect_anomalous_params_names_unused_parameters(tmp_path, caplog):

    class PartlyUsed(ToyModel):

        def __init__(self):
            super().__init__()
            self.unused = nn.Linear(3, 3)

    runner = make_runner('epoch', tmp_path, model=PartlyUsed(), max_epochs=1,
                         logger=logging.getLogger('anomaly_test'))
    runner.register_hook(OptimizerHook(detect_anomalous_params=True), 'ABOVE_NORMAL')
    with caplog.at_level(logging.ERROR, logger='anomaly_test'):
        runner.run([toy_loader(2, 2)], [('train', 1)])
    assert 'unused.weight with shape torch.Size([3, 3]) is not in the computational graph' in caplog.text
    assert 'linear.weight' not in caplog.text


class NaNAfter(ToyModel):
    """Produces a NaN loss from iteration ``bad_iter`` on."""

    def __init__(self, bad_iter):
        super().__init__()
        self.bad_iter, self.calls = bad_iter, 0

    def train_step(self, data, optimizer=None, **kwargs):
        out = super().train_step(data, optimizer)
        self.calls += 1
        if self.calls > self.bad_iter:
            out['loss'] = out['loss'] * float('nan')
            out['log_vars'] = dict(loss_cls=float('nan'), loss=float('nan'))
        return out


def test_nonfinite_loss_stops_training_with_context(tmp_path):
    runner = make_runner('epoch', tmp_path, model=NaNAfter(5), max_epochs=3)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1))
    with pytest.raises(NonFiniteLossError) as info:
        runner.run([toy_loader()], [('train', 1)])
    msg = str(info.value)
    assert 'non-finite loss at epoch 2, iter 6' in msg and 'loss_cls=nan' in msg
    assert osp.join(str(tmp_path), 'epoch_1.pth') in msg
    ckpt = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=True)
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values())


def test_nonfinite_skip_and_ignore_modes(tmp_path):
    runner = make_runner('epoch', tmp_path, model=NaNAfter(2), max_epochs=1)
    hook = OptimizerHook(nonfinite='skip')
    runner.register_hook(hook, 'ABOVE_NORMAL')
    runner.run([toy_loader()], [('train', 1)])
    assert hook.nonfinite_steps == 2
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())
    assert runner.log_buffer.val_history['nonfinite_steps'][-1] == 2
    runner = make_runner('epoch', tmp_path / 'b', model=NaNAfter(2), max_epochs=1)
    runner.register_hook(OptimizerHook(nonfinite='ignore'), 'ABOVE_NORMAL')
    runner.run([toy_loader()], [('train', 1)])
    assert not all(torch.isfinite(p).all() for p in runner.model.parameters())


def _train_final_weights(tmp_path, hook, batch_size, n=8, max_epochs=1, kind='epoch', max_iters=8):
    torch.manual_seed(0)
    runner = make_runner(kind, tmp_path, max_epochs=max_epochs, max_iters=max_iters, momentum=0.0)
    runner.register_hook(hook, 'ABOVE_NORMAL')
    runner.run([toy_loader(n, batch_size)], [('train', 1)])
    return torch.cat([p.detach().flatten() for p in runner.model.parameters()])


def test_gradient_accumulation_equals_larger_batch(tmp_path):
    accumulated = _train_final_weights(tmp_path / 'a', GradientCumulativeOptimizerHook(cumulative_iters=2), 1)
    large = _train_final_weights(tmp_path / 'b', OptimizerHook(), 2)
    assert torch.allclose(accumulated, large, atol=1e-6)


def test_gradient_accumulation_scales_last_partial_group_by_its_size(tmp_path):
    """5 iterations in groups of 2: the last group has one batch and must not be halved."""
    torch.manual_seed(0)
    runner = make_runner('iter', tmp_path, max_iters=5, momentum=0.0, lr=0.1)
    runner.register_hook(GradientCumulativeOptimizerHook(cumulative_iters=2), 'ABOVE_NORMAL')
    manual = ToyModel()
    manual.load_state_dict(runner.model.state_dict())
    runner.run([toy_loader(10, 1)], [('train', 1)])
    opt = torch.optim.SGD(manual.parameters(), lr=0.1)
    batches = list(toy_loader(10, 1))[:5]
    for group in (batches[0:2], batches[2:4], batches[4:5]):
        opt.zero_grad()
        for batch in group:
            (manual.train_step(batch)['loss'] / len(group)).backward()
        opt.step()
    for p, q in zip(runner.model.parameters(), manual.parameters()):
        assert torch.allclose(p, q, atol=1e-6)


def test_gradient_accumulation_warns_for_batch_norm(tmp_path, caplog):

    class WithBN(ToyModel):

        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(2)

        def train_step(self, data, optimizer=None, **kwargs):
            return super().train_step(dict(x=self.bn(data['x']), y=data['y']))

    runner = make_runner('epoch', tmp_path, model=WithBN(), max_epochs=1,
                         logger=logging.getLogger('bn_warn'))
    runner.register_hook(GradientCumulativeOptimizerHook(cumulative_iters=2), 'ABOVE_NORMAL')
    with caplog.at_level(logging.WARNING, logger='bn_warn'):
        runner.run([toy_loader()], [('train', 1)])
    assert 'BatchNorm' in caplog.text
    with pytest.raises(ValueError, match='positive int'):
        GradientCumulativeOptimizerHook(cumulative_iters=0)


class AmpToy(ToyModel):
    """ToyModel whose forward is decorated like mmdet detectors."""

    def __init__(self):
        super().__init__()
        self.fp16_enabled = False
        self.seen_dtypes = []

    @auto_fp16(apply_to=('x', ))
    def forward(self, x, y=None, return_loss=True):
        out = self.linear(x)
        self.seen_dtypes.append(out.dtype)
        return out

    @force_fp32(apply_to=('pred', ))
    def loss(self, pred, y):
        assert pred.dtype == torch.float32
        return ((pred - y)**2).mean()

    def train_step(self, data, optimizer=None, **kwargs):
        loss = self.loss(self(data['x']), data['y'])
        return dict(loss=loss, log_vars=dict(loss=loss.item()), num_samples=len(data['x']))


def test_fp16_on_cpu_warns_and_trains_with_bf16_autocast(tmp_path):
    model = AmpToy()
    runner = make_runner('epoch', tmp_path, model=model, max_epochs=1)
    hook = Fp16OptimizerHook(loss_scale='dynamic', grad_clip=dict(max_norm=10))
    runner.register_hook(hook, 'ABOVE_NORMAL')
    with pytest.warns(UserWarning, match='bfloat16 autocast instead'):
        runner.run([toy_loader()], [('train', 1)])
    assert set(model.seen_dtypes) == {torch.bfloat16}
    assert model.linear.weight.dtype == torch.float32  # master weights stay fp32
    assert hook.dtype == torch.bfloat16


def test_bf16_option_and_cumulative_fp16(tmp_path):
    model = AmpToy()
    runner = make_runner('epoch', tmp_path, model=model, max_epochs=1)
    runner.register_hook(GradientCumulativeFp16OptimizerHook(cumulative_iters=2, dtype='bfloat16'),
                         'ABOVE_NORMAL')
    before = model.linear.weight.detach().clone()
    runner.run([toy_loader()], [('train', 1)])
    assert set(model.seen_dtypes) == {torch.bfloat16}
    assert not torch.equal(before, model.linear.weight)


def test_fp16_hook_argument_validation_and_plain_models(tmp_path, caplog):
    with pytest.raises(ValueError, match='loss_scale must be'):
        Fp16OptimizerHook(loss_scale='auto')
    with pytest.raises(ValueError, match='mixed precision dtype'):
        Fp16OptimizerHook(dtype='int8')
    runner = make_runner('epoch', tmp_path, max_epochs=1, logger=logging.getLogger('plain_amp'))
    runner.register_hook(Fp16OptimizerHook(dtype='bfloat16'), 'ABOVE_NORMAL')
    with caplog.at_level(logging.WARNING, logger='plain_amp'):
        runner.run([toy_loader()], [('train', 1)])
    assert 'no module of the model declares fp16_enabled' in caplog.text


def test_loss_scaler_state_goes_to_checkpoint_meta_and_back(tmp_path):

    class FakeScaler:

        def __init__(self):
            self.state = dict(scale=1024.0, _growth_tracker=3)

        def state_dict(self):
            return dict(self.state)

        def load_state_dict(self, state):
            self.state = dict(state)

    hook = Fp16OptimizerHook(dtype='bfloat16')
    hook.loss_scaler = FakeScaler()
    checkpoint = {'meta': {}}
    hook.before_save_checkpoint(None, checkpoint)
    assert checkpoint['meta']['fp16']['loss_scaler'] == dict(scale=1024.0, _growth_tracker=3)
    runner = make_runner('epoch', tmp_path, model=AmpToy(), meta=checkpoint['meta'])
    restored = Fp16OptimizerHook(dtype='bfloat16')
    loaded = []
    original_configure = restored._configure

    def configure(r):
        original_configure(r)
        restored.loss_scaler = FakeScaler()
        restored.loss_scaler.load_state_dict = lambda s: loaded.append(s)

    restored._configure = configure
    restored.before_run(runner)
    assert loaded == [dict(scale=1024.0, _growth_tracker=3)]


def test_wrap_fp16_model_counts_and_sets_dtype():
    model = nn.Sequential(AmpToy(), AmpToy(), nn.Linear(1, 1))
    assert wrap_fp16_model(model, 'bfloat16') == 2
    assert all(m.fp16_enabled and m.fp16_dtype == torch.bfloat16 for m in model[:2])


def test_decorators_are_inert_when_disabled():
    model = AmpToy()
    out = model(torch.ones(1, 2))
    assert out.dtype == torch.float32
    with pytest.raises(TypeError, match='auto_fp16'):

        class NotModule:

            @auto_fp16()
            def f(self):
                pass

        NotModule().f()
