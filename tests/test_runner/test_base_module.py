"""BaseModule.init_weights with init_cfg, the initializers, Sequential/ModuleList/ModuleDict."""
import pytest
import torch
import torch.nn as nn

from mmlite.runner import BaseModule, ModuleDict, ModuleList, Sequential, save_checkpoint
from mmlite.runner.weight_init import INITIALIZERS, bias_init_with_prob, initialize


class Block(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(3, 3, 1)
        self.fc = nn.Linear(3, 3)
        self.bn = nn.BatchNorm2d(3)


def test_constant_by_layer_and_override():
    block = Block(init_cfg=[dict(type='Constant', val=1., bias=2., layer='Conv2d'),
                            dict(type='Constant', val=3., layer=['Linear'],
                                 override=dict(name='bn', type='Constant', val=5.))])
    block.init_weights()
    assert torch.all(block.conv.weight == 1.) and torch.all(block.conv.bias == 2.)
    assert torch.all(block.fc.weight == 3.) and torch.all(block.bn.weight == 5.)
    assert block.is_init


def test_override_with_only_name_reuses_the_outer_config():
    block = Block(init_cfg=dict(type='Constant', val=4., layer='Conv2d', override=dict(name='fc')))
    block.init_weights()
    assert torch.all(block.fc.weight == 4.) and torch.all(block.conv.weight == 4.)


@pytest.mark.parametrize('cfg', [
    dict(type='Normal', std=0.01, layer='Linear'), dict(type='Xavier', distribution='uniform', layer='Linear'),
    dict(type='Kaiming', layer='Linear'), dict(type='Uniform', a=-0.1, b=0.1, layer='Linear'),
    dict(type='TruncNormal', std=0.02, layer='Linear'), dict(type='Caffe2Xavier', layer='Linear'),
])
def test_initializers_change_matching_layers_only(cfg):
    torch.manual_seed(0)
    block = Block(init_cfg=cfg)
    conv_before = block.conv.weight.clone()
    fc_before = block.fc.weight.clone()
    block.init_weights()
    assert torch.equal(block.conv.weight, conv_before) and not torch.equal(block.fc.weight, fc_before)


def test_children_initialised_and_second_call_warns():
    outer = Sequential(Block(init_cfg=dict(type='Constant', val=7., layer='Linear')),
                       init_cfg=dict(type='Constant', val=1., layer='Conv2d'))
    outer.init_weights()
    assert torch.all(outer[0].fc.weight == 7.) and torch.all(outer[0].conv.weight == 1.)
    with pytest.warns(UserWarning, match='more than once'):
        outer.init_weights()
    assert 'init_cfg=' in repr(outer)


def test_pretrained_with_prefix(tmp_path):
    source = nn.Sequential()
    source.add_module('backbone', Block())
    nn.init.constant_(source.backbone.fc.weight, 9.)
    path = str(tmp_path / 'pre.pth')
    save_checkpoint(source, path)
    block = Block(init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone'))
    block.init_weights()
    assert torch.all(block.fc.weight == 9.)


def test_containers():
    items = ModuleList([Block(), Block()], init_cfg=dict(type='Constant', val=2., layer='Linear'))
    mapping = ModuleDict(dict(a=Block()), init_cfg=dict(type='Constant', val=3., layer='Linear'))
    items.init_weights()
    mapping.init_weights()
    assert torch.all(items[1].fc.weight == 2.) and torch.all(mapping['a'].fc.weight == 3.)


def test_errors_and_helpers():
    with pytest.raises(TypeError, match='init_cfg must be a dict'):
        initialize(Block(), 'Constant')
    with pytest.raises(ValueError, match='must contain the key "name"'):
        initialize(Block(), dict(type='Constant', val=1, override=dict(type='Constant', val=2)))
    with pytest.raises(RuntimeError, match='did not have attribute head'):
        initialize(Block(), dict(type='Constant', val=1, override=dict(name='head')))
    with pytest.raises(TypeError, match='bias must be a number'):
        INITIALIZERS.build(dict(type='Constant', val=1, bias='x'))
    assert bias_init_with_prob(0.01) == pytest.approx(-4.59511985)
