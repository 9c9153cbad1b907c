"""revert_sync_batchnorm (mmcv.cnn.utils): SyncBN layers become plain BatchNorm with the same state."""
import torch
import torch.nn as nn

from mmlite.cnn import ConvModule
from mmlite.cnn.utils import revert_sync_batchnorm


def test_sync_bn_model_runs_on_cpu_after_revert():
    torch.manual_seed(0)
    model = nn.Sequential(ConvModule(3, 4, 3, norm_cfg=dict(type='SyncBN')))
    sync = model[0].bn
    assert isinstance(sync, nn.SyncBatchNorm)
    sync.running_mean.fill_(0.5)
    sync.weight.requires_grad_(False)
    model.eval()
    x = torch.randn(2, 3, 8, 8)
    reverted = revert_sync_batchnorm(model)
    assert reverted is model
    bn = model[0].bn
    assert not isinstance(bn, nn.SyncBatchNorm) and isinstance(bn, nn.modules.batchnorm._BatchNorm)
    assert bn.weight is sync.weight and not bn.weight.requires_grad
    assert torch.equal(bn.running_mean, torch.full((4, ), 0.5))
    expected = nn.functional.batch_norm(model[0].conv(x), sync.running_mean, sync.running_var, sync.weight,
                                        sync.bias, False, 0., sync.eps).relu()
    assert torch.allclose(model(x), expected)


def test_a_bare_sync_bn_is_replaced_and_accepts_any_rank():
    sync = nn.SyncBatchNorm(3)
    sync.train()
    bn = revert_sync_batchnorm(sync)
    assert bn is not sync and bn.training
    assert bn(torch.randn(4, 3, 5)).shape == (4, 3, 5)  # 3-d input, as SyncBatchNorm allowed
    assert bn(torch.randn(4, 3, 2, 2, 2)).shape == (4, 3, 2, 2, 2)
