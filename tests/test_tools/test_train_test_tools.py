"""tools/train.py and tools/test.py end to end on the toy data set (CPU, real subprocesses)."""
import json
import os
import os.path as osp

import pytest
import torch

from .conftest import json_records, load_tool, run_tool


def _val_records(work_dir):
    return [r for r in json_records(work_dir) if r.get('mode') == 'val']


def test_work_dir_layout(trained, tiny_config):
    files = set(os.listdir(trained))
    logs = [f for f in files if f.endswith('.log')]
    assert len(logs) == 1 and logs[0][:-4] + '.log.json' in files  # shared timestamp
    assert {'epoch_1.pth', 'epoch_2.pth', 'latest.pth', osp.basename(tiny_config)} <= files
    assert any(f.startswith('best_bbox_mAP_epoch_') for f in files)
    ckpt = torch.load(osp.join(trained, 'epoch_2.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['CLASSES'] == ('rectangle', 'ellipse', 'triangle')
    assert 'mmlite_version' in ckpt['meta'] and 'optimizer' in ckpt


def test_log_records(trained):
    records = json_records(trained)
    assert 'env_info' in records[0] and records[0]['seed'] == 0 and 'config' in records[0]
    train = [r for r in records if r.get('mode') == 'train']
    assert {r['epoch'] for r in train} == {1, 2}
    assert all(k in train[0] for k in ('lr', 'time', 'data_time', 'loss_rpn_cls', 'loss_cls', 'acc', 'loss'))
    val = _val_records(trained)
    assert [r['epoch'] for r in val] == [1, 2] and all(0 <= r['bbox_mAP'] <= 1 for r in val)


def test_test_tool_reproduces_final_validation_map(trained, tiny_config, tmp_path):
    # the config's evaluation dict holds EvalHook-only keys that dataset.evaluate() does not take
    assert "by_epoch=True, less_keys=['loss']" in open(tiny_config).read()
    out = tmp_path / 'results.pkl'
    run_tool('tools/test.py', tiny_config, osp.join(trained, 'epoch_2.pth'), '--eval', 'bbox', '--out', str(out),
             '--work-dir', str(tmp_path))
    evals = [p for p in tmp_path.iterdir() if p.name.startswith('eval_')]
    assert len(evals) == 1 and out.is_file()
    metric = json.loads(evals[0].read_text())['metric']
    assert metric['bbox_mAP'] == _val_records(trained)[-1]['bbox_mAP']
    assert metric['bbox_mAP_50'] == _val_records(trained)[-1]['bbox_mAP_50']
    # the saved results evaluate offline to the same numbers (mmdet's eval_metric.py)
    proc = run_tool('tools/analysis_tools/eval_metric.py', tiny_config, str(out), '--eval', 'bbox')
    assert f"('bbox_mAP', {metric['bbox_mAP']})" in proc.stdout
    assert f"('bbox_mAP_50', {metric['bbox_mAP_50']})" in proc.stdout


def test_test_tool_draws_results(trained, tiny_config, tmp_path):
    run_tool('tools/test.py', tiny_config, osp.join(trained, 'latest.pth'), '--show-dir', str(tmp_path / 'shown'),
             '--show-score-thr', '0.0')
    assert len(os.listdir(tmp_path / 'shown')) == 6


def test_eval_metric_rejects_results_of_another_test_set(tiny_config, tmp_path):
    from mmlite.utils import dump
    dump([[]], str(tmp_path / 'one.pkl'))
    proc = run_tool('tools/analysis_tools/eval_metric.py', tiny_config, str(tmp_path / 'one.pkl'), '--eval', 'bbox',
                    check=False)
    assert proc.returncode != 0 and 'holds 1 results but the test set' in proc.stderr


def test_test_tool_rejects_bad_arguments(tiny_config, trained):
    proc = run_tool('tools/test.py', tiny_config, osp.join(trained, 'latest.pth'), check=False)
    assert proc.returncode != 0 and 'at least one operation' in proc.stderr
    proc = run_tool('tools/test.py', tiny_config, osp.join(trained, 'latest.pth'), '--out', 'r.json', check=False)
    assert proc.returncode != 0 and 'pkl' in proc.stderr


def test_resume_from_continues_at_the_right_epoch_and_lr(trained, tiny_config, tmp_path):
    work_dir = str(tmp_path / 'resumed')
    run_tool('tools/train.py', tiny_config, '--work-dir', work_dir, '--seed', '0', '--no-validate',
             '--resume-from', osp.join(trained, 'epoch_1.pth'))
    resumed = [r for r in json_records(work_dir) if r.get('mode') == 'train']
    original = [r for r in json_records(trained) if r.get('mode') == 'train' and r['epoch'] == 2]
    assert {r['epoch'] for r in resumed} == {2}
    assert [r['lr'] for r in resumed] == [r['lr'] for r in original]  # step decay at epoch 2 applied
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth')) and not osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def test_auto_resume_picks_the_latest_checkpoint(trained, tiny_config, tmp_path):
    work_dir = tmp_path / 'auto'
    work_dir.mkdir()
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        (work_dir / name).write_bytes(open(osp.join(trained, name), 'rb').read())
    (work_dir / 'epoch_3.pth').write_bytes(b'truncated')  # a crash mid-write: skipped with a warning
    proc = run_tool('tools/train.py', tiny_config, '--work-dir', str(work_dir), '--auto-resume', '--no-validate',
                    '--cfg-options', 'runner.max_epochs=3')
    assert 'skipping checkpoint' in proc.stderr and 'epoch_3.pth' in proc.stderr
    records = [r for r in json_records(str(work_dir)) if r.get('mode') == 'train']
    assert {r['epoch'] for r in records} == {3}
    ckpt = torch.load(str(work_dir / 'epoch_3.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['epoch'] == 3


def test_cpu_machine_with_gpu_ids_trains_on_cpu(tiny_config, tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this checks the CPU fallback')
    proc = run_tool('tools/train.py', tiny_config, '--work-dir', str(tmp_path), '--gpu-ids', '0', '1',
                    '--no-validate', '--cfg-options', 'runner.max_epochs=1')
    assert 'CUDA is not available' in proc.stderr and osp.isfile(tmp_path / 'epoch_1.pth')


def test_benchmark_tool_reports_fps(trained, tiny_config, capsys):
    tool = load_tool('tools/analysis_tools/benchmark.py')
    checkpoint = os.path.join(trained, 'latest.pth')
    fps_list = tool.main([tiny_config, checkpoint, '--max-iter', '9', '--log-interval', '2', '--repeat-num', '2',
                          '--fuse-conv-bn'])
    out = capsys.readouterr().out
    assert len(fps_list) == 2 and all(fps > 0 for fps in fps_list)
    assert 'Done image [6  / 9], fps:' in out and out.count('Overall fps:') == 3  # two runs and their mean
    # a test set smaller than --max-iter still gets its overall line (mmdet's printed none)
    assert tool.main([tiny_config, checkpoint, '--max-iter', '500']) > 0
    assert 'Overall fps' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        tool.parse_args([tiny_config, checkpoint, '--max-iter', '5'])
