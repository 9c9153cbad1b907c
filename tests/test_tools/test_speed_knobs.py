"""Opt-in speed settings: channels_last, in-place torch.compile with an eager fallback, loader knobs."""
import logging

import pytest
import torch
from torch import nn

from mmlite.apis.speed_knobs import apply_speed_knobs
from mmlite.utils import Config, compat_cfg

LOGGER = logging.getLogger('knobs_test')


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
        self.neck = nn.Conv2d(4, 2, 1)
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)).mean((2, 3)))


def test_defaults_change_nothing():
    net = Net()
    assert apply_speed_knobs(net, Config(dict()), LOGGER) is net
    assert net.backbone[0].weight.is_contiguous()


def test_channels_last():
    net = apply_speed_knobs(Net(), Config(dict(channels_last=True)), LOGGER)
    assert net.backbone[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_compile_in_place_keeps_parameter_names_and_results():
    net = Net()
    x = torch.randn(2, 3, 8, 8)
    expected = net(x)
    keys = list(net.state_dict())
    apply_speed_knobs(net, Config(dict(compile=dict(backend='eager'))), LOGGER)
    assert list(net.state_dict()) == keys  # checkpoints stay loadable
    torch.testing.assert_close(net(x), expected)


def test_compile_falls_back_to_eager_with_a_warning(monkeypatch):
    def broken(self, **kwargs):
        raise RuntimeError('no compiler here')
    monkeypatch.setattr(nn.Module, 'compile', broken)
    net = Net()
    with pytest.warns(UserWarning, match='torch.compile of model.backbone failed .*no compiler here'):
        apply_speed_knobs(net, Config(dict(compile=True)), LOGGER)
    assert net(torch.randn(1, 3, 8, 8)).shape == (1, 1)


def test_compile_names_a_missing_submodule():
    message = r"no submodule\(s\) \['trunk'\]; its children are \['backbone', 'neck', 'head'\]"
    with pytest.raises(KeyError, match=message):
        apply_speed_knobs(Net(), Config(dict(compile=dict(modules=['trunk']))), LOGGER)


def test_loader_knobs_reach_every_loader():
    data = dict(samples_per_gpu=2, workers_per_gpu=2, pin_memory=True, prefetch_factor=4, persistent_workers=True,
                train=dict(), val=dict(), test=dict())
    cfg = compat_cfg(Config(dict(runner=dict(type='EpochBasedRunner', max_epochs=1), data=data)))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg.data[key].pin_memory is True and cfg.data[key].prefetch_factor == 4
    assert cfg.data.train_dataloader.persistent_workers is True
