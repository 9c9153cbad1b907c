"""Checkpoint files, loading, atomic writes and resume."""
import os
import os.path as osp
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

from mmlite.parallel import MMDataParallel
from mmlite.runner import (CheckpointLoader, _load_checkpoint_with_prefix, find_latest_checkpoint, get_state_dict,
                           load_checkpoint, load_state_dict, save_checkpoint, weights_to_cpu)
from mmlite.runner._checkpoint_io import CheckpointWriteError, UnsafeCheckpointError

from ..conftest import ToyModel, make_runner, toy_loader

MMCV_CKPT = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'mmcv172_toy_epoch_2.pth')


def train(runner, epochs_or_iters=None, ckpt_interval=1):
    runner.register_training_hooks(lr_config=dict(policy='step', step=[2], warmup='linear',
                                                  warmup_iters=3),
                                   optimizer_config=dict(), checkpoint_config=dict(interval=ckpt_interval),
                                   log_config=dict(interval=1, hooks=[dict(type='TextLoggerHook')]))
    runner.run([toy_loader(8, 2)], [('train', 1)])


def test_checkpoint_layout_and_meta(tmp_path):
    runner = make_runner('epoch', tmp_path, meta=dict(seed=7))
    train(runner)
    ckpt = torch.load(osp.join(tmp_path, 'epoch_2.pth'), weights_only=True)
    assert set(ckpt) >= {'meta', 'state_dict', 'optimizer'}
    meta = ckpt['meta']
    assert (meta['epoch'], meta['iter'], meta['seed']) == (2, 8, 7)
    assert 'mmlite_version' in meta and 'time' in meta
    assert meta['hook_msgs']['last_ckpt'] == osp.join(str(tmp_path), 'epoch_2.pth')
    assert list(ckpt['state_dict']) == ['linear.weight', 'linear.bias']
    assert all(t.device.type == 'cpu' for t in ckpt['state_dict'].values())
    assert os.readlink(osp.join(tmp_path, 'latest.pth')) == 'epoch_2.pth'  # relative link


def test_iteration_checkpoints_record_completed_iterations(tmp_path):
    runner = make_runner('iter', tmp_path, max_iters=6)
    train(runner, ckpt_interval=3)
    meta = torch.load(osp.join(tmp_path, 'iter_3.pth'), weights_only=True)['meta']
    assert meta['iter'] == 3  # mmcv wrote 2 here and a resumed run repeated an iteration


def test_latest_falls_back_to_copy_when_symlinks_fail(tmp_path, monkeypatch):

    def no_symlinks(*args, **kwargs):
        raise OSError('symlinks not supported')

    monkeypatch.setattr(os, 'symlink', no_symlinks)
    runner = make_runner('epoch', tmp_path)
    train(runner)
    latest = osp.join(tmp_path, 'latest.pth')
    assert not osp.islink(latest) and osp.isfile(latest)
    assert torch.load(latest, weights_only=True)['meta']['epoch'] == 2


def test_max_keep_ckpts(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=5)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1, max_keep_ckpts=2))
    runner.run([toy_loader()], [('train', 1)])
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth')) == [
        'epoch_4.pth', 'epoch_5.pth', 'latest.pth']


def test_failed_write_keeps_previous_checkpoints(tmp_path, monkeypatch):
    runner = make_runner('epoch', tmp_path, max_epochs=3)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(),
                                   checkpoint_config=dict(interval=1, max_keep_ckpts=1))
    original_save = torch.save

    def save_then_fail(obj, f, *args, **kwargs):
        if runner.epoch == 1:  # the second checkpoint: write half, then the disk is full
            f.write(b'partial')
            raise OSError(28, 'No space left on device')
        return original_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', save_then_fail)
    with pytest.raises(CheckpointWriteError) as info:
        runner.run([toy_loader()], [('train', 1)])
    assert 'epoch_2.pth' in str(info.value) and 'intact' in str(info.value)
    files = sorted(os.listdir(tmp_path))
    assert 'epoch_1.pth' in files and 'epoch_2.pth' not in files
    assert not [f for f in files if '.tmp.' in f]
    assert torch.load(osp.join(tmp_path, 'latest.pth'), weights_only=True)['meta']['epoch'] == 1
    assert runner.meta is None or runner.meta.get('hook_msgs', {}).get('last_ckpt', '').endswith('epoch_1.pth')


@pytest.mark.parametrize('kind', ['epoch', 'iter'])
def test_resume_continues_exactly(kind, tmp_path):
    """Train 4 epochs (8 iters) straight vs 2 + resume 2: same weights and LR."""
    torch.manual_seed(0)
    straight = make_runner(kind, tmp_path / 'a', max_epochs=4, max_iters=16)
    train(straight)
    torch.manual_seed(0)
    first = make_runner(kind, tmp_path / 'b', max_epochs=2, max_iters=8)
    train(first)
    torch.manual_seed(123)  # a different init, overwritten by the resume
    second = make_runner(kind, tmp_path / 'b', max_epochs=4, max_iters=16)
    second.resume(osp.join(tmp_path, 'b', 'latest.pth'))
    assert (second.epoch, second.iter) == ((2, 8) if kind == 'epoch' else (2, 8))
    train(second)
    for p, q in zip(straight.model.parameters(), second.model.parameters()):
        assert torch.equal(p, q)
    assert straight.current_lr() == second.current_lr()


def test_resume_keeps_hook_msgs_for_iter_runner(tmp_path):
    runner = make_runner('iter', tmp_path, max_iters=4, meta=dict(hook_msgs=dict(best_score=0.9)))
    train(runner, ckpt_interval=2)
    resumed = make_runner('iter', tmp_path, max_iters=8)
    resumed.resume(osp.join(tmp_path, 'iter_4.pth'), map_location='default')  # CPU machine
    assert resumed.meta['hook_msgs']['best_score'] == 0.9
    assert resumed.meta['hook_msgs']['last_ckpt'].endswith('iter_4.pth')


def test_resume_from_mmcv_checkpoint(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=3)
    runner.resume(MMCV_CKPT)
    assert (runner.epoch, runner.iter) == (2, 4)
    assert runner.current_lr() == [pytest.approx(0.01)]
    assert runner.meta['exp_name'] == 'toy' and runner.meta['hook_msgs']['best_score'] == 0.5
    ckpt = torch.load(MMCV_CKPT, weights_only=True)
    assert torch.equal(runner.model.linear.weight, ckpt['state_dict']['linear.weight'])


def test_resume_rescales_iterations_when_world_size_changes(tmp_path, caplog):
    runner = make_runner('epoch', tmp_path, max_epochs=2)
    train(runner)
    path = osp.join(tmp_path, 'epoch_2.pth')
    ckpt = torch.load(path, weights_only=True)
    ckpt['meta']['world_size'] = 2
    torch.save(ckpt, path)
    resumed = make_runner('epoch', tmp_path, max_epochs=3, logger=__import__('logging').getLogger('ws'))
    with caplog.at_level('INFO', logger='ws'):
        resumed.resume(path)
    assert resumed.iter == 16 and resumed.epoch == 2
    assert 'instead of 2' in caplog.text


def test_load_state_dict_reports_mismatches(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = OrderedDict(model.state_dict())
    state['0.weight'] = torch.zeros(4, 2)  # wrong shape
    state['extra.bias'] = torch.zeros(1)
    del state['1.running_mean']
    del state['1.num_batches_tracked']  # ignored, as in mmcv
    report = load_state_dict(model, state)
    assert report['unexpected_keys'] == ['extra.bias']
    assert report['missing_keys'] == ['1.running_mean']
    assert report['shape_mismatch'] == [('0.weight', (4, 2), (3, 2))]
    with pytest.raises(RuntimeError) as info:
        load_state_dict(model, state, strict=True)
    text = str(info.value)
    assert 'unexpected key in source state_dict: extra.bias' in text
    assert 'missing keys in source state_dict: 1.running_mean' in text
    assert 'size mismatch' in text and '0.weight' in text


def test_wrappers_are_unwrapped_and_module_prefix_revised(tmp_path):
    inner = ToyModel()
    wrapped = MMDataParallel(nn.Sequential(MMDataParallel(inner)))
    keys = list(get_state_dict(wrapped))
    assert keys == ['0.linear.weight', '0.linear.bias']
    path = str(tmp_path / 'prefixed.pth')
    torch.save({'state_dict': {'module.' + k: v for k, v in inner.state_dict().items()}}, path)
    other = ToyModel()
    load_checkpoint(other, path, strict=True)
    assert torch.equal(other.linear.weight, inner.linear.weight)
    state = weights_to_cpu(inner.state_dict())
    assert all(v.device.type == 'cpu' for v in state.values())


def test_load_with_prefix(tmp_path):
    model = nn.Sequential(ToyModel())
    path = str(tmp_path / 'full.pth')
    save_checkpoint(model, path)
    part = _load_checkpoint_with_prefix('0', path)
    assert set(part) == {'linear.weight', 'linear.bias'}
    with pytest.raises(KeyError, match='backbone'):
        _load_checkpoint_with_prefix('backbone', path)


def test_safe_loading_refuses_arbitrary_objects(tmp_path, monkeypatch):
    path = str(tmp_path / 'evil.pth')
    torch.save({'meta': {'obj': OrderedDict}, 'state_dict': ToyModel().state_dict(),
                'payload': ValueError('x')}, path)
    monkeypatch.delenv('MMLITE_TRUST_CHECKPOINTS', raising=False)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint(ToyModel(), path)
    assert 'weights_only=False' in str(info.value) and 'MMLITE_TRUST_CHECKPOINTS' in str(info.value)
    load_checkpoint(ToyModel(), path, weights_only=False)
    monkeypatch.setenv('MMLITE_TRUST_CHECKPOINTS', '1')
    load_checkpoint(ToyModel(), path)


def test_numpy_values_in_meta_load_safely(tmp_path):
    import numpy as np
    path = str(tmp_path / 'np.pth')
    save_checkpoint(ToyModel(), path, meta=dict(seed=np.int64(3), scale=np.float32(0.5),
                                                arr=np.arange(3)))
    meta = load_checkpoint(ToyModel(), path)['meta']
    assert meta['seed'] == 3 and meta['arr'].tolist() == [0, 1, 2]


def test_checkpoint_loader_schemes(tmp_path, monkeypatch):
    seen = []

    @CheckpointLoader.register_scheme(prefixes='mem://', force=True)
    def load_from_memory(filename, map_location):
        seen.append(filename)
        return {'state_dict': ToyModel().state_dict()}

    load_checkpoint(ToyModel(), 'mem://toy')
    assert seen == ['mem://toy']
    with pytest.raises(KeyError, match='already registered'):
        CheckpointLoader.register_scheme('mem://', load_from_memory)
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        load_checkpoint(ToyModel(), str(tmp_path / 'nowhere.pth'))
    with pytest.raises(KeyError, match='local path'):
        load_checkpoint(ToyModel(), 'open-mmlab://no_such_model')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'hub'))
    from mmlite.runner import checkpoint_loader

    def offline(url, dst, progress=True):
        raise OSError('network unreachable')

    monkeypatch.setattr(checkpoint_loader.torch.hub, 'download_url_to_file', offline)
    with pytest.raises(RuntimeError) as info:
        load_checkpoint(ToyModel(), 'torchvision://resnet18')
    assert 'resnet18' in str(info.value) and 'local file' in str(info.value)


def test_find_latest_checkpoint_skips_broken_files(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=3)
    train(runner)
    with open(osp.join(tmp_path, 'epoch_3.pth'), 'r+b') as f:
        f.truncate(100)  # a crash mid-copy
    with pytest.warns(UserWarning, match='skipping checkpoint .*latest.pth'):
        found = find_latest_checkpoint(str(tmp_path))
    assert found == osp.join(str(tmp_path), 'epoch_2.pth')
    assert find_latest_checkpoint(str(tmp_path / 'missing')) is None


def test_resume_with_an_optimizer_that_does_not_fit_says_what_to_do(tmp_path):
    runner = make_runner('epoch', tmp_path, max_epochs=1)
    train(runner)
    path = osp.join(tmp_path, 'epoch_1.pth')
    other = make_runner('epoch', tmp_path, max_epochs=2)
    other.optimizer = torch.optim.SGD([{'params': [other.model.linear.weight]},
                                       {'params': [other.model.linear.bias]}], lr=0.1)  # two groups, not one
    with pytest.raises(ValueError, match=r'cannot resume the optimizer from .*epoch_1\.pth.*load_from='):
        other.resume(path)
    other.resume(path, resume_optimizer=False)  # the weights alone still load
    assert other.epoch == 1


def test_checkpoint_hook_out_dir_is_created_and_managed(tmp_path):
    work_dir = tmp_path / 'run'
    runner = make_runner('epoch', work_dir, max_epochs=3)
    checkpoint_config = dict(interval=1, max_keep_ckpts=1, out_dir=str(tmp_path / 'remote'),
                             filename_tmpl='ckpt_{}.pth', save_optimizer=False)
    runner.register_training_hooks(lr_config=None, optimizer_config=dict(), checkpoint_config=checkpoint_config)
    runner.run([toy_loader(8, 2)], [('train', 1)])
    out = tmp_path / 'remote' / 'run'  # mmcv >= 1.3.16: out_dir / basename(work_dir), made when missing
    assert sorted(os.listdir(out)) == ['ckpt_3.pth', 'latest.pth'] and os.readlink(out / 'latest.pth') == 'ckpt_3.pth'
    assert 'optimizer' not in torch.load(out / 'ckpt_3.pth', weights_only=True)
