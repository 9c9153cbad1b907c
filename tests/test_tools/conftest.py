"""A tiny toy-data config and helpers to run the command-line tools as users do (subprocesses)."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

TINY_CONFIG = """
_base_ = '{repo}/configs/quickstart/faster_rcnn_r18_fpn_toy.py'
model = dict(
    backbone=dict(base_channels=8),
    neck=dict(in_channels=[8, 16, 32, 64], out_channels=16),
    rpn_head=dict(in_channels=16, feat_channels=16),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=16), bbox_head=dict(in_channels=16, fc_out_channels=32)),
    test_cfg=dict(rpn=dict(nms_pre=200, max_per_img=50)))
data_root = '{data_root}/'
data = dict(
    samples_per_gpu=2,
    workers_per_gpu=0,
    train=dict(ann_file=data_root + 'annotations/instances_train.json', img_prefix=data_root + 'train/',
               num_train=12, num_val=6),
    val=dict(ann_file=data_root + 'annotations/instances_val.json', img_prefix=data_root + 'val/',
             num_train=12, num_val=6),
    test=dict(ann_file=data_root + 'annotations/instances_val.json', img_prefix=data_root + 'val/',
              num_train=12, num_val=6))
optimizer = dict(lr=0.01)
lr_config = dict(warmup_iters=4, step=[2])
runner = dict(max_epochs=2)
evaluation = dict(interval=1, by_epoch=True, less_keys=['loss'])  # EvalHook-only keys: tools/test.py drops them
checkpoint_config = dict(interval=1, max_keep_ckpts=-1)
log_config = dict(interval=2)
"""


@pytest.fixture(scope='session')
def tiny_config(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp('tiny_cfg')
    path = root / 'tiny_faster_rcnn_toy.py'
    path.write_text(TINY_CONFIG.format(repo=REPO, data_root=root / 'toy'))
    return str(path)


def run_tool(*args, env=None, timeout=600, check=True) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repository root, as the README does."""
    full_env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''), **(env or {}))
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc


def json_records(work_dir) -> list:
    logs = sorted(p for p in os.listdir(work_dir) if p.endswith('.log.json'))
    assert logs, f'no .log.json in {work_dir}'
    with open(osp.join(work_dir, logs[-1])) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope='session')
def trained(tiny_config, tmp_path_factory) -> str:
    """work_dir of ``tools/train.py`` on the tiny config: two epochs, validation after each."""
    work_dir = str(tmp_path_factory.mktemp('train') / 'run')
    run_tool('tools/train.py', tiny_config, '--work-dir', work_dir, '--seed', '0')
    return work_dir


def load_tool(relative_path: str):
    """A tool script (``tools/...py``) imported as a module, to call its functions in-process."""
    name = osp.splitext(osp.basename(relative_path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
