"""tools/dataset_converters/cityscapes.py against mmdet 2.28.2's converter.

tests/data/mmdet2282_cityscapes_converter_golden.json: the three json files mmdet's tool wrote for the tree
that tests/test_tools/_cityscapes_tree.py makes (seed 0: 4 train, 2 val and 2 test images of 40x60 with
instances, crowd regions and caravans of random rectangles).
"""
import json
import os.path as osp

import pytest

from mmlite.datasets.cityscapes import CITYSCAPES_LABEL_IDS

from ._cityscapes_tree import make_cityscapes_tree
from .conftest import load_tool, run_tool

GOLDEN = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_cityscapes_converter_golden.json')))


def _by_file(coco):
    """Images keyed by file name with their annotations (mmdet numbered images in file-system order)."""
    names = {image['id']: image['file_name'] for image in coco['images']}
    out = {image['file_name']: dict(image, id=None, annotations=[]) for image in coco['images']}
    for ann in coco.get('annotations', []):
        out[names[ann['image_id']]]['annotations'].append(dict(ann, id=None, image_id=None))
    return out


def test_same_files_as_mmdet(tmp_path):
    root = make_cityscapes_tree(str(tmp_path / 'cityscapes'))
    tool = load_tool('tools/dataset_converters/cityscapes.py')
    written = tool.main([root, '-o', str(tmp_path / 'out')])
    for split, expected in GOLDEN.items():
        coco = json.load(open(tmp_path / 'out' / f'instancesonly_filtered_gtFine_{split}.json'))
        assert coco == written[split]
        assert _by_file(coco) == _by_file(expected)
        assert coco['categories'] == expected['categories']
        assert ('annotations' in coco) == ('annotations' in expected) == (split != 'test')
        names = [image['file_name'] for image in coco['images']]
        assert names == sorted(names) and [image['id'] for image in coco['images']] == list(range(len(names)))


def test_parallel_run_as_a_script(tmp_path):
    root = make_cityscapes_tree(str(tmp_path / 'cityscapes'))
    run_tool('tools/dataset_converters/cityscapes.py', root, '--nproc', '2')
    coco = json.load(open(osp.join(root, 'instancesonly_filtered_gtFine_val.json')))
    assert _by_file(coco) == _by_file(GOLDEN['val'])


def test_missing_inputs(tmp_path):
    tool = load_tool('tools/dataset_converters/cityscapes.py')
    with pytest.raises(FileNotFoundError, match='no city/\\*_leftImg8bit.png images in .*leftImg8bit/train'):
        tool.main([str(tmp_path)])
    root = make_cityscapes_tree(str(tmp_path / 'cityscapes'))
    (tmp_path / 'cityscapes' / 'gtFine' / 'val' / 'lindau' / 'lindau_000000_000019_gtFine_instanceIds.png').unlink()
    with pytest.raises(FileNotFoundError, match='lindau_000000_000019_gtFine_instanceIds.png .* does not exist'):
        tool.main([root])


def test_output_loads_in_cityscapes_dataset(tmp_path):
    from mmlite.datasets import CityscapesDataset
    root = make_cityscapes_tree(str(tmp_path / 'cityscapes'))
    load_tool('tools/dataset_converters/cityscapes.py').main([root])
    dataset = CityscapesDataset(ann_file=osp.join(root, 'instancesonly_filtered_gtFine_val.json'), pipeline=[],
                                img_prefix=osp.join(root, 'leftImg8bit', 'val'), filter_empty_gt=False)
    coco = json.load(open(osp.join(root, 'instancesonly_filtered_gtFine_val.json')))
    ann = dataset.get_ann_info(0)
    first = [a for a in coco['annotations'] if a['image_id'] == coco['images'][0]['id']]
    assert len(ann['bboxes']) + len(ann['bboxes_ignore']) == len(first)
    names = {label_id: name for name, label_id in CITYSCAPES_LABEL_IDS.items()}
    assert [dataset.CLASSES[label] for label in ann['labels']] == [
        names[a['category_id']] for a in first if not a['iscrowd']]
