"""build_optimizer and DefaultOptimizerConstructor's paramwise_cfg rules."""
import pytest
import torch
import torch.nn as nn

from mmlite.runner import OPTIMIZER_BUILDERS, OPTIMIZERS, DefaultOptimizerConstructor, build_optimizer


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 1)
        self.bn = nn.BatchNorm2d(4)
        self.dw = nn.Conv2d(4, 4, 3, groups=4, bias=False)
        self.sub = nn.Sequential(nn.Linear(4, 2))
        self.head = nn.Linear(2, 2)
        self.frozen = nn.Linear(2, 2)
        self.frozen.weight.requires_grad_(False)


def groups_by_param(optimizer, model):
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(g['params'][0])]: g for g in optimizer.param_groups}


def test_every_torch_optimizer_is_registered():
    for name in ('SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'LBFGS'):
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)


def test_plain_config_uses_one_group_and_does_not_mutate():
    model = Net()
    cfg = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
    optimizer = build_optimizer(model, cfg)
    assert isinstance(optimizer, torch.optim.SGD) and len(optimizer.param_groups) == 1
    assert cfg == dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)


def test_paramwise_rules():
    model = Net()
    cfg = dict(type='SGD', lr=0.1, weight_decay=1e-2, momentum=0.9,
               paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.5, norm_decay_mult=0.,
                                  dwconv_decay_mult=0.1))
    groups = groups_by_param(build_optimizer(model, cfg), model)
    assert groups['conv1.weight'].get('lr', 0.1) == 0.1
    assert groups['conv1.bias']['lr'] == 0.2 and groups['conv1.bias']['weight_decay'] == 5e-3
    assert groups['bn.weight']['weight_decay'] == 0. and groups['bn.bias']['weight_decay'] == 0.
    assert groups['bn.bias']['lr'] == 0.1  # norm biases keep the base lr
    assert groups['dw.weight']['weight_decay'] == pytest.approx(1e-3)
    assert groups['frozen.weight']['lr'] == 0.1  # untouched, but still in the optimizer
    assert len(groups) == len(list(model.parameters()))


def test_custom_keys_longest_match_wins():
    model = Net()
    cfg = dict(type='SGD', lr=0.1, weight_decay=1e-2,
               paramwise_cfg=dict(custom_keys={'sub': dict(lr_mult=0.1),
                                               'sub.0': dict(lr_mult=0.5, decay_mult=0.),
                                               'head': dict(lr_mult=10.)},
                                  bias_lr_mult=3.))
    groups = groups_by_param(build_optimizer(model, cfg), model)
    assert groups['sub.0.weight']['lr'] == 0.05 and groups['sub.0.weight']['weight_decay'] == 0.
    assert groups['head.bias']['lr'] == 1.0  # custom key beats bias_lr_mult
    assert groups['conv1.bias']['lr'] == pytest.approx(0.3)


def test_bypass_duplicate_parameters():

    class Shared(nn.Module):

        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = nn.Linear(2, 2)
            self.b.weight = self.a.weight  # tied weights

    model = Shared()
    with pytest.warns(UserWarning, match='duplicate'):
        optimizer = build_optimizer(model, dict(type='SGD', lr=0.1,
                                                paramwise_cfg=dict(bypass_duplicate=True)))
    assert len(optimizer.param_groups) == 3


@pytest.mark.parametrize('paramwise,match', [
    (dict(norm_decay_mult=0.), 'needs optimizer.weight_decay'),
    (dict(custom_keys={'head': dict(decay_mult=0.)}), 'weight_decay is not set'),
    (dict(custom_keys=[1]), 'custom_keys must be a dict'),
    (dict(bias_lr_mul=2.), 'unknown key.*bias_lr_mul'),
])
def test_paramwise_errors(paramwise, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        build_optimizer(Net(), dict(type='SGD', lr=0.1, paramwise_cfg=paramwise))


def test_custom_constructor_by_name():

    @OPTIMIZER_BUILDERS.register_module(force=True)
    class HeadOnlyConstructor(DefaultOptimizerConstructor):

        def __call__(self, model):
            cfg = dict(self.optimizer_cfg, params=model.head.parameters())
            return OPTIMIZERS.build(cfg)

    optimizer = build_optimizer(Net(), dict(type='Adam', lr=1e-3, constructor='HeadOnlyConstructor'))
    assert sum(p.numel() for g in optimizer.param_groups for p in g['params']) == 6
    with pytest.raises(KeyError, match="'SDG' is not in the optimizer registry"):
        build_optimizer(Net(), dict(type='SDG', lr=0.1))
