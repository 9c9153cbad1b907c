"""bbox_overlaps, eval_map and eval_recalls with hand-computed answers."""
import numpy as np
import pytest

from mmlite.core.evaluation import (average_precision, bbox_overlaps, eval_map, eval_recalls, get_classes,
                                    print_map_summary)


def test_bbox_overlaps():
    a = np.array([[0, 0, 10, 10], [0, 0, 5, 5]], dtype=np.float32)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30]], dtype=np.float32)
    np.testing.assert_allclose(bbox_overlaps(a, b), [[50 / 150, 0], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(bbox_overlaps(a, b, mode='iof'), [[0.5, 0], [0, 0]])
    legacy = bbox_overlaps(np.array([[0, 0, 9, 9]]), np.array([[0, 0, 9, 9]]), use_legacy_coordinate=True)
    assert legacy[0, 0] == pytest.approx(1.0)
    assert bbox_overlaps(np.zeros((0, 4)), b).shape == (0, 2)


def test_average_precision_modes():
    recalls, precisions = np.array([0.5, 1.0]), np.array([1.0, 0.5])
    assert average_precision(recalls, precisions) == pytest.approx(0.75)
    assert average_precision(recalls, precisions, '11points') == pytest.approx((6 * 1.0 + 5 * 0.5) / 11)


def test_eval_map_known_values(capsys):
    annotations = [dict(bboxes=np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32), labels=np.array([0, 0]),
                        bboxes_ignore=np.array([[50, 50, 60, 60]], np.float32), labels_ignore=np.array([0]))]
    perfect = [[np.array([[0, 0, 10, 10, 0.9], [20, 20, 30, 30, 0.8]], np.float32)]]
    assert eval_map(perfect, annotations, dataset=['box'])[0] == pytest.approx(1.0)
    assert 'mAP' in capsys.readouterr().out
    # a false positive ranked first, then both hits: precision 0, 1/2, 2/3 at recall 0, .5, 1
    noisy = [[np.array([[100, 100, 110, 110, 0.95], [0, 0, 10, 10, 0.9], [20, 20, 30, 30, 0.8]], np.float32)]]
    mean_ap, results = eval_map(noisy, annotations, logger='silent')
    assert mean_ap == pytest.approx(0.5 * (2 / 3) + 0.5 * (2 / 3))
    assert results[0]['num_gts'] == 2 and results[0]['num_dets'] == 3
    ignored = [[np.array([[50, 50, 60, 60, 0.99], [0, 0, 10, 10, 0.9]], np.float32)]]
    assert eval_map(ignored, annotations, logger='silent')[0] == pytest.approx(0.5)  # the ignored hit is no FP
    scaled, _ = eval_map(perfect, annotations, scale_ranges=[(0, 5), (5, 100)], logger='silent')
    assert scaled == [0.0, pytest.approx(1.0)]


def test_eval_recalls():
    gts = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)]
    proposals = [np.array([[0, 0, 10, 10, 0.9], [100, 100, 120, 120, 0.95], [21, 21, 30, 30, 0.5]], np.float32)]
    recalls = eval_recalls(gts, proposals, proposal_nums=[1, 3], iou_thrs=[0.5, 0.95], logger='silent')
    np.testing.assert_allclose(recalls, [[0, 0], [1.0, 0.5]])


def test_class_names_and_summary_guards():
    assert len(get_classes('coco')) == 80 and get_classes('voc')[0] == 'aeroplane'
    with pytest.raises(ValueError, match='Unrecognized dataset'):
        get_classes('imagenet-22k')
    print_map_summary(0.5, [dict(num_gts=1, num_dets=1, recall=np.array([1.0]), ap=0.5)], logger='silent')


def test_hook_argument_names_cover_both_eval_hooks():
    from mmlite.core.evaluation import hook_argument_names
    names = hook_argument_names()
    # the base hook's, the distributed hook's, and mmdet's dynamic_intervals; not evaluate() options
    assert {'interval', 'by_epoch', 'save_best', 'less_keys', 'tmpdir', 'gpu_collect', 'dynamic_intervals'} <= names
    assert not names & {'metric', 'classwise', 'jsonfile_prefix', 'self', 'dataloader', 'kwargs', 'eval_kwargs'}


def test_dataset_evaluate_kwargs_keep_only_evaluate_options():
    from mmlite.core.evaluation import dataset_evaluate_kwargs
    evaluation = dict(interval=2, by_epoch=False, save_best='auto', classwise=True, metric='bbox')
    assert dataset_evaluate_kwargs(evaluation, ['segm'], dict(jsonfile_prefix='x')) == dict(
        classwise=True, metric=['segm'], jsonfile_prefix='x')
    assert dataset_evaluate_kwargs(None, 'bbox') == dict(metric='bbox')


def _golden_cases():
    import json
    from pathlib import Path
    return json.loads((Path(__file__).parents[1] / 'data' / 'mmdet2282_eval_golden.json').read_text())


def _as_boxes(rows, width):
    return np.array(rows, np.float32).reshape(-1, width)


@pytest.mark.parametrize('case', range(3))
def test_eval_map_matches_mmdet_golden(case):
    """Random detections (ignored boxes, empty classes, VOC07 11 points, legacy +1 areas, scale ranges) against
    mmdet 2.28.2's answers."""
    data = _golden_cases()['eval_map'][case]
    dets = [[_as_boxes(d, 5) for d in per_image] for per_image in data['det_results']]
    anns = [dict(bboxes=_as_boxes(a['bboxes'], 4), labels=np.array(a['labels'], np.int64),
                 bboxes_ignore=_as_boxes(a['bboxes_ignore'], 4), labels_ignore=np.array(a['labels_ignore'], np.int64))
            for a in data['annotations']]
    for expected in data['expected']:
        kwargs = dict(expected['kwargs'])
        if 'scale_ranges' in kwargs:
            kwargs['scale_ranges'] = [tuple(r) for r in kwargs['scale_ranges']]
        mean_ap, results = eval_map(dets, anns, logger='silent', **kwargs)
        np.testing.assert_allclose(mean_ap, expected['mean_ap'], rtol=1e-6, err_msg=str(kwargs))
        np.testing.assert_allclose([r['ap'] for r in results], expected['ap'], rtol=1e-6, err_msg=str(kwargs))
        np.testing.assert_array_equal([r['num_gts'] for r in results], expected['num_gts'])


@pytest.mark.parametrize('case', range(2))
def test_eval_recalls_matches_mmdet_golden(case):
    data = _golden_cases()['eval_recalls'][case]
    gts = [_as_boxes(g, 4) for g in data['gts']]
    proposals = [_as_boxes(p, 5) for p in data['proposals']]
    for expected in data['expected']:
        recalls = eval_recalls(gts, proposals, logger='silent', **expected['kwargs'])
        np.testing.assert_allclose(recalls, expected['recalls'], rtol=1e-6, err_msg=str(expected['kwargs']))
