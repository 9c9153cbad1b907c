"""dist_train.sh with two CPU processes; the shipped mmdet 2.x configs trained with only data
paths, classes and image size overridden."""
import os
import os.path as osp
import shutil
import socket

import pytest
import torch

from .conftest import REPO, json_records, run_tool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.dist
@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
def test_dist_train_sh_two_cpu_processes(tiny_config, tmp_path):
    import subprocess
    import sys
    work_dir = tmp_path / 'dist run'  # the scripts quote their arguments: spaces in paths work
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1',
               PATH=osp.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    proc = subprocess.run(['bash', 'dist_train.sh', tiny_config, '2', '--work-dir', str(work_dir),
                           '--cfg-options', 'runner.max_epochs=1'],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    files = os.listdir(work_dir)
    assert len([f for f in files if f.endswith('.log')]) == 1  # rank 0 writes the logs
    assert {'epoch_1.pth', 'latest.pth'} <= set(files)
    records = json_records(str(work_dir))
    assert any(r.get('mode') == 'val' and 'bbox_mAP' in r for r in records)
    ckpt = torch.load(str(work_dir / 'epoch_1.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['world_size'] == 2


@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
def test_tools_dist_train_sh_is_the_top_level_launcher():
    import subprocess
    proc = subprocess.run(['bash', 'tools/dist_train.sh'], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and 'dist_train.sh CONFIG NUM_PROCESSES' in proc.stderr


def _legacy_overrides(data_root: str) -> list:
    classes = "('rectangle','ellipse','triangle')"
    opts = [f'data.{split}.{key}={data_root}/{value}' for split, (ann, img) in
            dict(train=('instances_train.json', 'train/'), val=('instances_val.json', 'val/'),
                 test=('instances_val.json', 'val/')).items()
            for key, value in (('ann_file', f'annotations/{ann}'), ('img_prefix', img))]
    opts += [f'data.{split}.classes={classes}' for split in ('train', 'val', 'test')]
    opts += ['data.train.pipeline.2.img_scale=(160,128)', 'data.val.pipeline.1.img_scale=(160,128)',
             'data.test.pipeline.1.img_scale=(160,128)', 'data.samples_per_gpu=1', 'data.workers_per_gpu=0']
    return opts


@pytest.mark.parametrize('config,model_opts', [
    ('configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py', ['model.roi_head.bbox_head.num_classes=3']),
    ('configs/retinanet/retinanet_r50_fpn_1x_coco.py', ['model.bbox_head.num_classes=3']),
])
def test_shipped_mmdet_config_trains_with_data_overrides(config, model_opts, trained, tiny_config, tmp_path):
    from mmlite.utils import Config
    data_root = osp.dirname(osp.dirname(Config.fromfile(tiny_config).data.train.ann_file))
    proc = run_tool('tools/train.py', config, '--work-dir', str(tmp_path), '--cfg-options',
                    *_legacy_overrides(data_root), *model_opts,
                    # offline: no pretrained download; a few iterations only
                    'model.backbone.init_cfg=None', 'runner.max_epochs=1', 'log_config.interval=4',
                    '--no-validate', check=False)
    assert proc.returncode == 0, proc.stderr[-5000:]
    records = [r for r in json_records(str(tmp_path)) if r.get('mode') == 'train']
    assert records and all(r['loss'] == r['loss'] for r in records)  # finite, not NaN
    assert osp.isfile(tmp_path / 'epoch_1.pth')
