"""print_config, make_toy_coco, browse_dataset and analyze_logs."""
import json
import logging
import os

import numpy as np
import pytest

from .conftest import REPO, load_tool, run_tool


def _analyze_logs():
    return load_tool('tools/analysis_tools/analyze_logs.py')


def test_print_config_resolves_bases_and_overrides(tiny_config):
    proc = run_tool('tools/misc/print_config.py', tiny_config, '--cfg-options', 'optimizer.lr=0.123')
    assert "type='FasterRCNN'" in proc.stdout and 'lr=0.123' in proc.stdout and 'base_channels=8' in proc.stdout


def test_make_toy_coco(tmp_path):
    proc = run_tool('tools/misc/make_toy_coco.py', str(tmp_path / 'toy'), '--num-train', '3', '--num-val', '2')
    assert 'toy COCO data set' in proc.stdout
    ann = json.loads((tmp_path / 'toy' / 'annotations' / 'instances_val.json').read_text())
    assert len(ann['images']) == 2 and len(os.listdir(tmp_path / 'toy' / 'train')) == 3


def test_browse_dataset_draws_pipeline_output(tiny_config, tmp_path):
    run_tool('tools/misc/browse_dataset.py', tiny_config, '--output-dir', str(tmp_path / 'boxes'), '--max-images', '3')
    drawn = sorted((tmp_path / 'boxes').iterdir())
    assert len(drawn) == 3 and all(p.suffix == '.jpg' for p in drawn)
    run_tool('tools/misc/browse_dataset.py', tiny_config, '--output-dir', str(tmp_path / 'masks'), '--max-images', '1',
             '--cfg-options', 'data.train.pipeline.1.with_mask=True')
    from mmlite.image import imread
    with_masks, boxes_only = imread(str(tmp_path / 'masks' / drawn[0].name)), imread(str(drawn[0]))
    assert (np.abs(with_masks.astype(int) - boxes_only.astype(int)).sum(-1) > 60).mean() > 0.01  # masks tinted


def _write_log(path, records):
    with open(path, 'w') as f:
        f.write(json.dumps(dict(env_info='x', seed=0)) + '\n')
        for record in records:
            f.write(json.dumps(record) + '\n')


@pytest.fixture
def json_log(tmp_path):
    records = []
    for epoch in (1, 2):
        for it in (10, 20):
            records.append(dict(mode='train', epoch=epoch, iter=it, lr=0.02, time=0.5 + epoch * 0.1 + it * 0.001,
                                loss=2.0 / (epoch * it)))
        records.append(dict(mode='val', epoch=epoch, iter=6, lr=0.02, bbox_mAP=0.1 * epoch))
    path = tmp_path / 'run.log.json'
    _write_log(path, records)
    return path


def test_analyze_logs_train_time(json_log):
    proc = run_tool('tools/analysis_tools/analyze_logs.py', 'cal_train_time', str(json_log))
    assert 'slowest epoch 2' in proc.stdout and 'fastest epoch 1' in proc.stdout
    assert 'average iter time: 0.6700 s/iter' in proc.stdout  # epochs 1, 2 without their first record


def test_analyze_logs_plot_curve(json_log, tmp_path):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'curves.png'
    run_tool('tools/analysis_tools/analyze_logs.py', 'plot_curve', str(json_log), '--keys', 'loss', 'bbox_mAP',
             '--out', str(out))
    assert out.stat().st_size > 1000 and out.read_bytes()[:4] == b'\x89PNG'
    proc = run_tool('tools/analysis_tools/analyze_logs.py', 'plot_curve', str(json_log), '--keys', 'segm_mAP',
                    check=False)
    assert proc.returncode != 0 and 'no "segm_mAP" values' in proc.stderr


def test_curve_points_of_an_epoch_based_log_with_a_val_workflow():
    records = []
    for epoch in (1, 2):
        records += [dict(mode='train', epoch=epoch, iter=it, loss=1.0 / (epoch * it), time=0.1) for it in (10, 20)]
        records.append(dict(mode='val', epoch=epoch, iter=6, bbox_mAP=0.1 * epoch))  # EvalHook
        records.append(dict(mode='val', epoch=epoch, iter=3, loss=9.0, time=0.1))  # ('val', 1) workflow
    points = _analyze_logs().curve_points
    assert points(records, 'loss') == ([10, 20, 30, 40], [0.1, 0.05, 0.05, 0.025], 'iter')
    assert points(records, 'bbox_mAP') == ([1, 2], [0.1, 0.2], 'epoch')


def test_curve_points_of_an_iteration_based_log():
    # IterBasedRunner: iter counts over the run, epoch counts passes over the data
    records = [dict(mode='train', epoch=1 + it // 25, iter=it, loss=1.0 / it) for it in (10, 20, 30, 40)]
    records.insert(2, dict(mode='val', epoch=1, iter=100, bbox_mAP=0.3))
    records.append(dict(mode='val', epoch=2, iter=100, bbox_mAP=0.5))
    points = _analyze_logs().curve_points
    assert points(records, 'loss') == ([10, 20, 30, 40], [0.1, 0.05, 1 / 30, 0.025], 'iter')
    assert points(records, 'bbox_mAP') == ([20, 40], [0.3, 0.5], 'iter')


def _publish_model():
    return load_tool('tools/model_converters/publish_model.py')


def test_publish_model_drops_training_state_and_names_by_sha(tmp_path):
    import hashlib

    import torch

    from mmlite.runner import save_checkpoint
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    source = tmp_path / 'epoch_1.pth'
    save_checkpoint(model, str(source), optimizer=optimizer, meta=dict(epoch=1, CLASSES=('a', 'b')))
    checkpoint = torch.load(source, weights_only=False)
    checkpoint['mmlite_state'] = {'rng': 1}
    torch.save(checkpoint, source)

    final = _publish_model().process_checkpoint(str(source), str(tmp_path / 'out' / 'my_depth_model.pth'))
    digest = hashlib.sha256(open(final, 'rb').read()).hexdigest()
    assert final == str(tmp_path / 'out' / f'my_depth_model-{digest[:8]}.pth')  # '.pth' cut, not 'h', 't', 'p'
    published = torch.load(final, weights_only=True)
    assert set(published) == {'meta', 'state_dict'} and published['meta']['CLASSES'] == ('a', 'b')
    torch.testing.assert_close(published['state_dict']['weight'], model.weight.detach())
    assert sorted(os.listdir(tmp_path / 'out')) == [os.path.basename(final)]  # no temporary file left
    torch.save({'weight': torch.zeros(1)}, tmp_path / 'bare.pth')
    with pytest.raises(ValueError, match='bare.pth is not a training checkpoint'):
        _publish_model().process_checkpoint(str(tmp_path / 'bare.pth'), str(tmp_path / 'x.pth'))


def _confusion_matrix_tool():
    return load_tool('tools/analysis_tools/confusion_matrix.py')


def test_confusion_matrix_matches_mmdet():
    golden = json.load(open(f'{REPO}/tests/data/mmdet2282_confusion_matrix_golden.json'))
    anns = [dict(bboxes=np.array(a['bboxes'], np.float32).reshape(-1, 4), labels=np.array(a['labels'], np.int64))
            for a in golden['anns']]

    class Dataset:
        CLASSES = ('a', 'b', 'c')

        def get_ann_info(self, idx):
            return anns[idx]

    results = [[np.array(r, np.float32).reshape(-1, 5) for r in per] for per in golden['results']]
    tool = _confusion_matrix_tool()
    for expected in golden['expected']:
        matrix = tool.calculate_confusion_matrix(Dataset(), results, **expected['kwargs'])
        np.testing.assert_array_equal(matrix, expected['matrix'], err_msg=str(expected['kwargs']))
    mask_results = [(per, [[] for _ in per]) for per in results]  # a mask model's results use their boxes
    np.testing.assert_array_equal(tool.calculate_confusion_matrix(Dataset(), mask_results, **golden['expected'][0][
        'kwargs']), golden['expected'][0]['matrix'])


def test_confusion_matrix_tool_writes_the_plot(tiny_config, tmp_path):
    import pickle

    from mmlite.apis.saved_results import load_test_set_and_results
    _, dataset, _ = load_test_set_and_results(tiny_config, _write_empty_results(tiny_config, tmp_path))
    results_file = tmp_path / 'results.pkl'
    perfect = []
    for i in range(len(dataset)):
        ann = dataset.get_ann_info(i)
        perfect.append([np.hstack([ann['bboxes'][ann['labels'] == k], np.ones(((ann['labels'] == k).sum(), 1))])
                        .astype(np.float32) for k in range(len(dataset.CLASSES))])
    results_file.write_bytes(pickle.dumps(perfect))
    matrix = _confusion_matrix_tool().main([tiny_config, str(results_file), str(tmp_path / 'plot')])
    assert (tmp_path / 'plot' / 'confusion_matrix.png').stat().st_size > 0
    assert matrix[-1].sum() == 0 and matrix[:, -1].sum() == 0  # perfect detections: no background row/column
    assert np.trace(matrix) == sum(len(dataset.get_ann_info(i)['labels']) for i in range(len(dataset)))
    results_file.write_bytes(pickle.dumps(perfect[:1]))
    with pytest.raises(SystemExit, match='pass the config the results were produced with'):
        _confusion_matrix_tool().main([tiny_config, str(results_file), str(tmp_path / 'plot')])


def _write_empty_results(config, tmp_path):
    """A placeholder results file with one entry per test image (the count is all the loader checks)."""
    import pickle

    from mmlite.datasets import build_dataset
    from mmlite.utils import Config
    cfg = Config.fromfile(config)
    cfg.data.test.test_mode = True
    path = tmp_path / 'placeholder.pkl'
    path.write_bytes(pickle.dumps([None] * len(build_dataset(cfg.data.test))))
    return str(path)


def test_check_configs_reports_what_is_missing(tmp_path, capsys):
    check = load_tool('tools/misc/check_configs.py')
    assert check.main([os.path.join(REPO, 'configs', 'swin')]) == 0
    assert '5 of 5 configs build in mmlite.' in capsys.readouterr().out
    (tmp_path / '_base_').mkdir()
    (tmp_path / '_base_' / 'skipped.py').write_text("model = dict(type='Nope')\n")
    (tmp_path / 'unknown_parts.py').write_text(
        f"_base_ = '{os.path.join(REPO, 'configs', 'mask_rcnn', 'mask_rcnn_r50_fpn_1x_coco.py')}'\n"
        "model = dict(type='NoSuchDetector')\n"
        "data = dict(train=dict(type='NoSuchDataset', pipeline=[dict(type='NoSuchTransform')]))\n")
    (tmp_path / 'broken.py').write_text('model = dict(\n')
    assert check.main([str(tmp_path), '--json', str(tmp_path / 'report.json')]) == 1
    out = capsys.readouterr().out
    assert '0 of 2 configs build in mmlite.' in out and 'skipped' not in out
    for line in ("1  NoSuchDetector (not registered)", "1  dataset type 'NoSuchDataset'",
                 "1  pipeline type 'NoSuchTransform'", 'config does not load: SyntaxError'):
        assert line in out, line
    report = json.loads((tmp_path / 'report.json').read_text())
    assert len(report[str(tmp_path / 'unknown_parts.py')]) == 3
    with pytest.raises(FileNotFoundError, match='no such config file or folder'):
        check.main([str(tmp_path / 'missing')])
    assert not logging.root.manager.disable  # the in-process run restored logging


def test_check_configs_builds_distillation_configs_without_downloads(capsys):
    check = load_tool('tools/misc/check_configs.py')
    model = dict(teacher_ckpt='https://x/teacher.pth', pretrained='torchvision://resnet50',
                 backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')))
    assert check._without_pretrained(model) == dict(teacher_ckpt=None, backbone=dict(init_cfg=None))
    assert check.main([os.path.join(REPO, 'configs', 'lad')]) == 0  # LAD needs its teacher_ckpt argument
    assert '2 of 2 configs build in mmlite.' in capsys.readouterr().out


def test_analyze_results_draws_the_best_and_worst_images(tiny_config, tmp_path):
    """Perfect detections on even images, none on odd ones: the best are the even (mAP 1), the worst the odd."""
    import pickle

    from mmlite.apis.saved_results import load_test_set_and_results
    _, dataset, _ = load_test_set_and_results(tiny_config, _write_empty_results(tiny_config, tmp_path))
    results = []
    for i in range(len(dataset)):
        ann = dataset.get_ann_info(i)
        results.append([np.hstack([ann['bboxes'][ann['labels'] == k], np.ones(((ann['labels'] == k).sum(), 1))])
                        .astype(np.float32)[:len(ann['labels']) * (1 - i % 2)] for k in range(len(dataset.CLASSES))])
    results_file = tmp_path / 'results.pkl'
    results_file.write_bytes(pickle.dumps(results))
    scores = load_tool('tools/analysis_tools/analyze_results.py').main(
        [tiny_config, str(results_file), str(tmp_path / 'show'), '--topk', '2'])
    assert [idx % 2 for idx, _ in scores[-2:]] == [0, 0] and [s for _, s in scores[-2:]] == [1.0, 1.0]
    good, bad = sorted(os.listdir(tmp_path / 'show' / 'good')), sorted(os.listdir(tmp_path / 'show' / 'bad'))
    assert len(good) == len(bad) == 2 and all(name.endswith('_1.0.jpg') for name in good)
    assert all(name.endswith('_0.0.jpg') for name in bad)
