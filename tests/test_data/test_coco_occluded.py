"""OccludedSeparatedCocoDataset and tools/analysis_tools/coco_occluded_separated_recall.py.

tests/data/mmdet2282_occluded_separated_golden.json: a synthetic split (6 images of 48x64, classes cat, dog and
bird; boxes and rectangle masks of random scores per class), 20 occluded and 15 separated objects (masks near a
detection's, cut in two for the separated ones, or elsewhere) and the recalls mmdet 2.28.2's dataset reported for
four (score_thr, iou_thr) pairs.
"""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from mmlite.datasets import DATASETS, CocoDataset, OccludedSeparatedCocoDataset
from mmlite.datasets.coco_occluded import OCCLUDED_COCO_URL, load_occlusion_annotations

from ..test_tools.conftest import load_tool

RECORDED = json.load(open(osp.join(osp.dirname(__file__), '..', 'data',
                                   'mmdet2282_occluded_separated_golden.json')))
CLASSES = tuple(RECORDED['classes'])


def _bytes_rle(rle):
    return dict(size=rle['size'], counts=rle['counts'].encode())


def _results(mask_form='bytes'):
    """Per image (bbox_results, segm_results), masks as tools/test.py writes them (RLE, bytes counts)."""
    convert = {'bytes': _bytes_rle, 'str': dict,
               'array': lambda rle: mask_utils.decode(_bytes_rle(rle)).astype(bool)}[mask_form]
    return [([np.array(b, np.float32).reshape(-1, 5) for b in r['bboxes']],
             [[convert(s) for s in masks] for masks in r['segms']]) for r in RECORDED['results']]


def _write_split(folder, coco=None):
    json.dump(coco or RECORDED['coco'], open(folder / 'ann.json', 'w'))
    for kind in ('occluded', 'separated'):
        entries = [[name, cls, unused, np.array(box), _bytes_rle(rle)]
                   for name, cls, unused, box, rle in RECORDED[kind]]
        pickle.dump(entries, open(folder / f'{kind}.pkl', 'wb'))


def _dataset(tmp_path, **kwargs):
    _write_split(tmp_path)
    return OccludedSeparatedCocoDataset(ann_file=str(tmp_path / 'ann.json'), pipeline=[], test_mode=True,
                                        classes=CLASSES, occluded_ann=str(tmp_path / 'occluded.pkl'),
                                        separated_ann=str(tmp_path / 'separated.pkl'), **kwargs)


@pytest.mark.parametrize('case', RECORDED['mmdet'], ids=lambda c: f"score{c['score_thr']}_iou{c['iou_thr']}")
def test_recalls_equal_mmdet(tmp_path, case):
    dataset = _dataset(tmp_path)
    metrics = dataset.evaluate(_results(), score_thr=case['score_thr'], iou_thr=case['iou_thr'])
    assert metrics == dict(occluded_recall=case['occluded_recall'], separated_recall=case['separated_recall'])


@pytest.mark.parametrize('mask_form', ['str', 'array'])
def test_masks_as_text_rle_or_arrays(tmp_path, mask_form):
    case = RECORDED['mmdet'][1]
    metrics = _dataset(tmp_path).evaluate(_results(mask_form), score_thr=case['score_thr'], iou_thr=case['iou_thr'])
    assert metrics['occluded_recall'] == case['occluded_recall'] > 0
    assert metrics['separated_recall'] == case['separated_recall'] > 0


def test_coco_metrics_are_added_and_table_printed(tmp_path, capsys):
    dataset = _dataset(tmp_path)
    assert DATASETS.get('OccludedSeparatedCocoDataset') is OccludedSeparatedCocoDataset
    assert isinstance(dataset, CocoDataset)
    metrics = dataset.evaluate(_results(), metric='segm')
    assert {'segm_mAP', 'segm_mAP_50', 'occluded_recall', 'separated_recall'} <= set(metrics)
    assert metrics['occluded_recall'] == RECORDED['mmdet'][0]['occluded_recall']
    table = capsys.readouterr().out
    assert 'occluded' in table and 'separated' in table and 'num correct' in table


def test_paths_relative_to_data_root(tmp_path):
    _write_split(tmp_path)
    dataset = OccludedSeparatedCocoDataset(ann_file='ann.json', pipeline=[], test_mode=True, classes=CLASSES,
                                           data_root=str(tmp_path), occluded_ann='occluded.pkl',
                                           separated_ann='separated.pkl')
    assert len(dataset.occluded_ann) == 20 and len(dataset.separated_ann) == 15


def test_url_served_from_the_hub_cache_and_offline_error(tmp_path, monkeypatch):
    _write_split(tmp_path)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))

    def offline(url, dst, progress=True):
        raise OSError('network is unreachable')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', offline)
    with pytest.raises(RuntimeError, match=r'could not download .*occluded_coco\.pkl.*copy it to .*hub/datasets'):
        load_occlusion_annotations(OCCLUDED_COCO_URL)
    assert not list((tmp_path / 'hub' / 'datasets').iterdir())  # no partial file left behind
    (tmp_path / 'occluded.pkl').rename(tmp_path / 'hub' / 'datasets' / 'occluded_coco.pkl')
    entries = load_occlusion_annotations(OCCLUDED_COCO_URL)
    assert [e[:2] for e in entries] == [e[:2] for e in RECORDED['occluded']]


def test_bad_annotation_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pkl does not exist.*occluded_ann and separated_ann'):
        load_occlusion_annotations(str(tmp_path / 'missing.pkl'))

    class Payload:
        def __reduce__(self):
            return (osp.join, ('never', 'run'))

    pickle.dump([Payload()], open(tmp_path / 'evil.pkl', 'wb'))
    with pytest.raises(ValueError, match='evil.pkl is not a plain-data pickle: refusing to unpickle posixpath.join'):
        load_occlusion_annotations(str(tmp_path / 'evil.pkl'))
    pickle.dump({'not': 'a list'}, open(tmp_path / 'dict.pkl', 'wb'))
    with pytest.raises(ValueError, match=r'expected a list of \[file_name, class_name'):
        load_occlusion_annotations(str(tmp_path / 'dict.pkl'))


def test_bad_results(tmp_path):
    dataset = _dataset(tmp_path)
    boxes_only = [bboxes for bboxes, _ in _results()]
    with pytest.raises(TypeError, match='instance segmentation model'):
        dataset.evaluate(boxes_only)
    results = _results()
    results[0][1][0].append({'size': [48, 64], 'counts': b'0'})  # one mask more than boxes
    with pytest.raises(ValueError, match='boxes but .* masks'):
        dataset.evaluate(results)
    dataset.occluded_ann[0][0] = 'not_in_split.jpg'
    with pytest.raises(KeyError, match='not_in_split.jpg .* not in the dataset'):
        dataset.evaluate(_results())


def test_tool(tmp_path):
    """The tool on COCO's 80 classes (its dataset keeps the default CLASSES, as mmdet's)."""
    classes = CocoDataset.CLASSES
    index = {name: classes.index(name) for name in CLASSES}
    coco = dict(RECORDED['coco'], categories=[dict(id=i + 1, name=name) for i, name in enumerate(classes)])
    coco['annotations'] = [dict(a, category_id=index[CLASSES[a['category_id'] - 1]] + 1) for a in coco['annotations']]
    _write_split(tmp_path, coco)
    results = []
    for bboxes, segms in _results():
        wide_boxes = [np.zeros((0, 5), np.float32) for _ in classes]
        wide_masks = [[] for _ in classes]
        for label, name in enumerate(CLASSES):
            wide_boxes[index[name]], wide_masks[index[name]] = bboxes[label], segms[label]
        results.append((wide_boxes, wide_masks))
    pickle.dump(results, open(tmp_path / 'results.pkl', 'wb'))
    tool = load_tool('tools/analysis_tools/coco_occluded_separated_recall.py')
    case = RECORDED['mmdet'][3]
    metrics = tool.main([str(tmp_path / 'results.pkl'), '--ann', str(tmp_path / 'ann.json'),
                         '--occluded-ann', str(tmp_path / 'occluded.pkl'),
                         '--separated-ann', str(tmp_path / 'separated.pkl'), '--score-thr', str(case['score_thr']),
                         '--iou-thr', str(case['iou_thr']), '--out', str(tmp_path / 'recalls.json')])
    expected = dict(occluded_recall=case['occluded_recall'], separated_recall=case['separated_recall'])
    assert metrics == expected == json.load(open(tmp_path / 'recalls.json'))
    pickle.dump([r[0] for r in results], open(tmp_path / 'boxes.pkl', 'wb'))
    with pytest.raises(SystemExit, match='instance segmentation model'):
        tool.main([str(tmp_path / 'boxes.pkl'), '--ann', str(tmp_path / 'ann.json')])
