"""tools/dataset_converters/pascal_voc.py against mmdet 2.28.2's tool on the same devkit
(tests/data/mmdet2282_pascal_voc_converter_golden.json), and CocoDataset on what it writes."""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from mmlite.core.evaluation.class_names import VOC_CLASSES
from mmlite.datasets import CocoDataset

from .conftest import load_tool

ROOT = Path(__file__).parents[2]
GOLDEN = json.loads((ROOT / 'tests' / 'data' / 'mmdet2282_pascal_voc_converter_golden.json').read_text())


def _tool():
    return load_tool('tools/dataset_converters/pascal_voc.py')


def _devkit(tmp_path: Path) -> Path:
    devkit = tmp_path / 'VOCdevkit'
    for rel, text in GOLDEN['devkit'].items():
        (devkit / rel).parent.mkdir(parents=True, exist_ok=True)
        (devkit / rel).write_text(text)
    return devkit


def test_coco_and_pkl_outputs_match_mmdet(tmp_path, capsys):
    devkit = _devkit(tmp_path)
    written = _tool().main([str(devkit), '-o', str(tmp_path / 'coco'), '--out-format', 'coco'])
    assert sorted(Path(p).name for p in written) == GOLDEN['outputs']
    assert 'skip voc2012 test' in capsys.readouterr().out
    for name, expected in GOLDEN['coco'].items():
        ours = json.loads((tmp_path / 'coco' / name).read_text())
        for ann in expected['annotations']:
            ann['id'] += 1  # ours count from 1 (pycocotools treats id 0 as unmatched)
        assert ours == expected
    _tool().main([str(devkit), '-o', str(tmp_path / 'pkl')])
    infos = pickle.loads((tmp_path / 'pkl' / 'voc0712_trainval.pkl').read_bytes())
    assert len(infos) == len(GOLDEN['pkl_voc0712_trainval'])
    for ours, expected in zip(infos, GOLDEN['pkl_voc0712_trainval']):
        assert (ours['filename'], ours['width'], ours['height']) == (expected['filename'], expected['width'],
                                                                     expected['height'])
        for key, spec in expected['ann'].items():
            assert str(ours['ann'][key].dtype) == spec['dtype'] and list(ours['ann'][key].shape) == spec['shape']
            np.testing.assert_array_equal(ours['ann'][key], np.array(spec['values']).reshape(spec['shape']))


def test_float_coordinates_and_bad_names(tmp_path):
    devkit = _devkit(tmp_path)
    xml = devkit / 'VOC2007' / 'Annotations' / '2007_000000.xml'
    xml.write_text(xml.read_text().replace('<xmin>9</xmin>', '<xmin>9.0</xmin>'))  # mmdet's tool crashed here
    assert _tool().parse_xml((str(xml), 'x.jpg'))['ann']['bboxes'][0][0] == 8
    xml.write_text(xml.read_text().replace('<name>dog</name>', '<name>wolf</name>', 1))
    with pytest.raises(ValueError, match="2007_000000.xml: object name 'wolf' is not a VOC class"):
        _tool().parse_xml((str(xml), 'x.jpg'))
    with pytest.raises(FileNotFoundError, match='neither VOC2007 nor VOC2012'):
        _tool().main([str(tmp_path), '-o', str(tmp_path / 'out')])


@pytest.mark.parametrize('first_id', [0, 1])
def test_coco_dataset_scores_perfect_results_fully_whatever_the_first_id(tmp_path, first_id, caplog):
    devkit = _devkit(tmp_path)
    _tool().main([str(devkit), '-o', str(tmp_path), '--out-format', 'coco'])
    ann_file = tmp_path / 'voc0712_trainval.json'
    data = json.loads(ann_file.read_text())
    for ann in data['annotations']:
        ann['id'] += first_id - 1  # first_id 0: a file written by mmdet 2.x's converter
    ann_file.write_text(json.dumps(data))
    dataset = CocoDataset(ann_file=str(ann_file), img_prefix=str(devkit), pipeline=[], classes=VOC_CLASSES,
                          test_mode=True)
    results = []
    for i in range(len(dataset)):
        ann = dataset.get_ann_info(i)
        per_class = [np.zeros((0, 5), np.float32) for _ in VOC_CLASSES]
        for box, label in zip(ann['bboxes'], ann['labels']):
            per_class[label] = np.vstack([per_class[label], np.append(box, 0.9)[None].astype(np.float32)])
        results.append(per_class)
    assert dataset.evaluate(results, metric='bbox')['bbox_mAP'] == pytest.approx(1.0)
    assert ('counted from 1 instead' in caplog.text) == (first_id == 0)
