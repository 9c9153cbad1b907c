"""MMDataParallel on the CPU, module wrapper registry and build_dp/build_ddp."""
import pytest
import torch
import torch.nn as nn

from mmlite.parallel import (MODULE_WRAPPERS, DataContainer, MMDataParallel, MMDistributedDataParallel, build_dp,
                             collate, is_module_wrapper)
from mmlite.parallel.data_parallel import merge_step_outputs


class Steps(nn.Module):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, img, img_metas=None):
        return self.linear(img).sum(), img_metas

    def train_step(self, data, optimizer=None):
        loss, metas = self(**data)
        return dict(loss=loss, log_vars=dict(loss=loss.item(), n=len(metas)), num_samples=len(metas))

    def val_step(self, data, optimizer=None):
        return self.train_step(data)


def _batch():
    return collate([dict(img=DataContainer(torch.ones(2), stack=True, pad_dims=None),
                         img_metas=DataContainer({'i': i}, cpu_only=True)) for i in range(3)], 3)


def test_cpu_forward_and_steps_unwrap_containers():
    model = MMDataParallel(Steps())
    assert model.device_ids == []
    loss, metas = model(**_batch())
    assert metas == [{'i': 0}, {'i': 1}, {'i': 2}]
    out = model.train_step(_batch())
    assert out['log_vars']['n'] == 3 and out['num_samples'] == 3
    out['loss'].backward()
    assert model.module.linear.weight.grad is not None
    assert model.val_step(_batch())['num_samples'] == 3


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the no-CUDA error')
def test_asking_for_gpus_without_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match='no CUDA device is available'):
        MMDataParallel(Steps(), device_ids=[0])
    wrapped = build_dp(Steps(), 'cpu', device_ids=[0])  # mmdet's train_detector does this on CPU
    assert isinstance(wrapped, MMDataParallel) and wrapped.device_ids == []
    with pytest.raises(ValueError, match='device must be'):
        build_dp(Steps(), 'tpu')


def test_module_wrappers_registry():
    assert is_module_wrapper(MMDataParallel(Steps()))
    assert is_module_wrapper(nn.DataParallel(Steps()))
    assert not is_module_wrapper(Steps())
    assert MODULE_WRAPPERS.get('MMDistributedDataParallel') is MMDistributedDataParallel

    child = type(MODULE_WRAPPERS)('module wrapper', parent=MODULE_WRAPPERS, scope='user')

    @child.register_module()
    class MyWrapper(nn.Module):

        def __init__(self, module):
            super().__init__()
            self.module = module

    assert is_module_wrapper(MyWrapper(Steps()))


def test_merge_step_outputs_weights_by_samples():
    outs = [dict(loss=torch.tensor(1.), log_vars=dict(loss=1.0), num_samples=1),
            dict(loss=torch.tensor(3.), log_vars=dict(loss=3.0), num_samples=3)]
    merged = merge_step_outputs(outs, torch.device('cpu'))
    assert merged['num_samples'] == 4 and merged['loss'].item() == 2.0
    assert merged['log_vars']['loss'] == pytest.approx(2.5)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_single_gpu_train_step():
    model = MMDataParallel(Steps().cuda(), device_ids=[0])
    out = model.train_step(_batch())
    assert out['loss'].device.type == 'cuda'
