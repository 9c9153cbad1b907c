"""mmcv.utils' torch aliases, small torch helpers and test helpers."""
import subprocess

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmlite import utils


def test_aliases_are_torch_classes():
    assert isinstance(nn.BatchNorm2d(2), utils._BatchNorm) and isinstance(nn.InstanceNorm1d(2), utils._InstanceNorm)
    assert isinstance(nn.Conv2d(1, 1, 1), utils._ConvNd)
    assert utils._ConvTransposeMixin is torch.nn.modules.conv._ConvTransposeMixin
    assert isinstance(nn.AdaptiveAvgPool2d(1), utils._AdaptiveAvgPoolNd) and isinstance(nn.MaxPool2d(2),
                                                                                        utils._MaxPoolNd)
    assert utils.SyncBatchNorm is nn.SyncBatchNorm and utils.PoolDataLoader is torch.utils.data.DataLoader
    assert utils.TORCH_VERSION == torch.__version__ and utils.IS_CUDA_AVAILABLE == torch.cuda.is_available()
    assert 'PyTorch built with' in utils.get_build_config()


def test_torch_helpers():
    grid_y, grid_x = utils.torch_meshgrid(torch.arange(2), torch.arange(3))
    assert grid_y.shape == (2, 3) and grid_x[0].tolist() == [0, 1, 2]
    assert not utils.is_jit_tracing()

    def f(x):
        return x + 1

    assert utils.jit(f) is f and utils.jit(coderize=True)(f) is f and utils.skip_no_elena(f) is f


def test_get_git_hash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert utils.get_git_hash(fallback='none') == 'none'  # not a repository
    subprocess.run(['git', 'init', '-q'], check=True)
    subprocess.run(['git', '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'x'],
                   check=True)
    sha = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip()
    assert utils.get_git_hash() == sha and utils.get_git_hash(digits=7) == sha[:7]
    with pytest.raises(TypeError, match='digits'):
        utils.get_git_hash(digits='7')


def test_testing_helpers():
    assert utils.assert_dict_contains_subset(dict(a=1, b=np.arange(3)), dict(b=np.arange(3)))
    assert not utils.assert_dict_contains_subset(dict(a=1), dict(a=2))
    assert not utils.assert_dict_contains_subset(dict(a=1), dict(c=1))
    layer = nn.Linear(2, 2)
    assert utils.assert_attrs_equal(layer, dict(in_features=2)) and not utils.assert_attrs_equal(layer, dict(x=1))
    assert utils.assert_dict_has_keys(dict(a=1, b=2), ['a']) and not utils.assert_dict_has_keys(dict(a=1), ['b'])
    assert utils.assert_keys_equal(['a', 'b'], ['b', 'a']) and not utils.assert_keys_equal(['a'], ['a', 'b'])
    assert utils.assert_is_norm_layer(nn.GroupNorm(1, 2)) and not utils.assert_is_norm_layer(layer)
    assert not utils.assert_params_all_zeros(layer)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    assert utils.assert_params_all_zeros(layer)
