"""tools/analysis_tools/coco_error_analysis.py against mmdet 2.28.2's tool.

tests/data/mmdet2282_coco_error_analysis_split.json: 12 synthetic images, 4 classes in 2 supercategories, 27
boxes (rectangle polygons) and 36 detections: good, loose, badly placed, confused within and across
supercategories, missed, and background ones. ..._golden.npz: the 7 x 101 x 4 x 4 x 1 precision steps mmdet's
tool plotted for all classes (bbox with its default areas, segm with areas 400/2500/1e10).
"""
import ast
import json
import os.path as osp

import numpy as np
import pytest

from .conftest import load_tool

DATA = osp.join(osp.dirname(__file__), '..', 'data')
SPLIT = json.load(open(osp.join(DATA, 'mmdet2282_coco_error_analysis_split.json')))
GOLDEN = np.load(osp.join(DATA, 'mmdet2282_coco_error_analysis_golden.npz'))


def _write(tmp_path, iou_type):
    from pycocotools import mask as mask_utils
    json.dump(SPLIT['gt'], open(tmp_path / 'gt.json', 'w'))
    results = []
    for det in SPLIT['dets']:
        det = dict(det)
        if iou_type == 'bbox':
            det.pop('segmentation')
        else:
            det.pop('bbox')
            rle = mask_utils.merge(mask_utils.frPyObjects(det['segmentation'], 160, 200))
            det['segmentation'] = dict(size=rle['size'], counts=rle['counts'].decode())
        results.append(det)
    json.dump(results, open(tmp_path / f'{iou_type}.json', 'w'))
    return str(tmp_path / f'{iou_type}.json'), str(tmp_path / 'gt.json')


@pytest.mark.parametrize('iou_type,areas,golden', [('bbox', None, 'bbox_default'),
                                                   ('segm', [400, 2500, 10000000000], 'segm_custom')])
def test_precision_steps_equal_mmdet(tmp_path, iou_type, areas, golden):
    tool = load_tool('tools/analysis_tools/coco_error_analysis.py')
    result, ann = _write(tmp_path, iou_type)
    argv = [result, str(tmp_path / 'out'), '--ann', ann, '--types', iou_type]
    outputs = tool.main(argv + (['--areas', *map(str, areas)] if areas else []))
    rec_thrs, steps = outputs[iou_type]
    assert len(rec_thrs) == 101
    np.testing.assert_array_equal(steps, GOLDEN[golden])
    assert (np.diff(steps.mean(axis=(1, 2)), axis=0) >= 0).all()  # each step forgives more: AP never drops
    names = {f'{iou_type}-{name}-{area}.png' for name in ('cat', 'dog', 'car', 'bus', 'allclass')
             for area in ('allarea', 'small', 'medium', 'large')}
    assert names <= set(p.name for p in (tmp_path / 'out' / iou_type).iterdir())


def test_extra_plots_and_parallel_classes(tmp_path, capsys):
    tool = load_tool('tools/analysis_tools/coco_error_analysis.py')
    result, ann = _write(tmp_path, 'bbox')
    outputs = tool.main([result, str(tmp_path / 'out'), '--ann', ann, '--extraplots', '--nproc', '2'])
    np.testing.assert_array_equal(outputs['bbox'][1], GOLDEN['bbox_default'])
    files = set(p.name for p in (tmp_path / 'out' / 'bbox').iterdir())
    assert {'bbox-cat-ap bar plot.png', 'bbox-allclass-ap bar plot.png', 'number of annotations per area group.png',
            'gt annotation areas histogram plot.png'} <= files
    counts = ast.literal_eval(capsys.readouterr().out.split('number of annotations per area group:')[1].strip())
    areas = [ann['area'] for ann in SPLIT['gt']['annotations']]
    assert counts == {'all': len(areas), 'small': sum(a < 32 ** 2 for a in areas),
                      'medium': sum(32 ** 2 <= a < 96 ** 2 for a in areas), 'large': sum(a >= 96 ** 2 for a in areas)}


def test_bad_arguments(tmp_path):
    tool = load_tool('tools/analysis_tools/coco_error_analysis.py')
    result, ann = _write(tmp_path, 'bbox')
    with pytest.raises(ValueError, match="'keypoints' is not bbox or segm"):
        tool.main([result, str(tmp_path), '--ann', ann, '--types', 'keypoints'])
    with pytest.raises(ValueError, match='--areas needs 3 numbers'):
        tool.main([result, str(tmp_path), '--ann', ann, '--areas', '1', '2'])
    with pytest.raises(FileNotFoundError, match='missing.json does not exist'):
        tool.main([result, str(tmp_path), '--ann', str(tmp_path / 'missing.json')])
