"""A training process killed with SIGKILL at random moments, then resumed with --auto-resume,
ends with exactly the weights of a run that was never interrupted (tools/train.py, loader
workers, both runner kinds)."""
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.test_tools.conftest import REPO, TINY_CONFIG, run_tool

KILL_CONFIG = """
_base_ = './tiny.py'
data = dict(workers_per_gpu=2)
evaluation = dict(interval=1000)
checkpoint_config = dict(interval=1, by_epoch=False, max_keep_ckpts=4)
log_config = dict(interval=1)
"""
RUNNERS = {
    'epoch': ("runner = dict(max_epochs=3)\n", 18),
    'iter': ("runner = dict(_delete_=True, type='IterBasedRunner', max_iters=16)\n"
             "lr_config = dict(step=[10])\n", 16),
}
TRAIN_ARGS = ('--seed', '0', '--deterministic')


def _config(tmp_path, kind) -> str:
    (tmp_path / 'tiny.py').write_text(TINY_CONFIG.format(repo=REPO, data_root=tmp_path / 'toy'))
    path = tmp_path / f'kill_{kind}.py'
    path.write_text(KILL_CONFIG + RUNNERS[kind][0])
    return str(path)


def _kill_after_checkpoint(config, work_dir, iteration, delay, extra=()) -> None:
    """Start training, wait until iter_<iteration>.pth exists, wait ``delay`` s more, SIGKILL."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.Popen([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, *TRAIN_ARGS,
                             *extra], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    target = osp.join(work_dir, f'iter_{iteration}.pth')
    deadline = time.monotonic() + 300
    while not osp.exists(target):
        if proc.poll() is not None:
            raise AssertionError(f'training ended ({proc.returncode}) before {target}:\n'
                                 f'{proc.stderr.read().decode()[-3000:]}')
        assert time.monotonic() < deadline, f'no {target} after 300 s'
        time.sleep(0.02)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()


def _weights(path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


@pytest.mark.parametrize('kind', ['epoch', 'iter'])
def test_sigkill_then_auto_resume_matches_uninterrupted_run(kind, tmp_path):
    config = _config(tmp_path, kind)
    total = RUNNERS[kind][1]
    reference = str(tmp_path / 'reference')
    run_tool('tools/train.py', config, '--work-dir', reference, *TRAIN_ARGS)

    rng = random.Random(f'kill-{kind}')
    work_dir = str(tmp_path / 'killed')
    first = rng.randint(3, total // 2)
    second = rng.randint(first + 2, total - 2)
    _kill_after_checkpoint(config, work_dir, first, rng.uniform(0, 0.5))
    _kill_after_checkpoint(config, work_dir, second, rng.uniform(0, 0.5), extra=('--auto-resume',))
    run_tool('tools/train.py', config, '--work-dir', work_dir, '--auto-resume', *TRAIN_ARGS)

    expected = _weights(osp.join(reference, f'iter_{total}.pth'))
    got = _weights(osp.join(work_dir, f'iter_{total}.pth'))
    assert expected.keys() == got.keys()
    different = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not different, f'killed at iterations ~{first} and ~{second}; differing tensors: {different[:5]}'
