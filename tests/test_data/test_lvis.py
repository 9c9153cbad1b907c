"""LVIS v0.5/v1 datasets, LVIS's federated evaluation and the lvis/ configs (tests/data/mmdet2282_lvis_configs.json:
mmdet 2.28.2's, merged).

tests/data/lvisapi053_eval_golden.json: a synthetic LVIS v1 split (14 images, 8 categories of the three
frequency groups, negative and not-exhaustively annotated categories per image), 667 detections (one image with
320, over LVIS's 300 cap; some of categories neither present nor negative) and the numbers lvis-api 0.5.3's
LVISEval gave for them (bbox and segm; all metrics and per-category AP), as mmdet 2.x reported them.
"""
import json
import os.path as osp

import numpy as np
import pytest
from pycocotools.coco import COCO

from mmlite.datasets import DATASETS, LVISV1Dataset, LVISV05Dataset, build_dataset
from mmlite.datasets._lvis_eval import lvis_evaluate

from ..test_models._tiny import CONFIGS, merged_config

RECORDED = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'lvisapi053_eval_golden.json')))
CLASSES = tuple(cat['name'] for cat in RECORDED['gt']['categories'])


def _predictions(iou_type):
    predictions = [dict(d) for d in RECORDED['dets']]
    for pred in predictions:
        pred.pop('segmentation' if iou_type == 'bbox' else 'bbox')
    return predictions


@pytest.mark.parametrize('iou_type', ['bbox', 'segm'])
def test_federated_evaluation_equals_lvis_api(iou_type):
    gt = COCO()
    gt.dataset = RECORDED['gt']
    gt.createIndex()
    cat_ids = sorted(gt.getCatIds())
    summary, coco_eval = lvis_evaluate(gt, _predictions(iou_type), iou_type, sorted(gt.getImgIds()), cat_ids)
    assert summary == pytest.approx(RECORDED['results'][iou_type], abs=1e-12)
    per_class = coco_eval.eval['precision'][:, :, :, 0, 0]
    for k, expected in enumerate(RECORDED['results'][iou_type + '_classwise']):
        values = per_class[:, :, k][per_class[:, :, k] > -1]
        assert (float(values.mean()) if values.size else None) == pytest.approx(expected, abs=1e-12)


def _dataset(tmp_path, **kwargs):
    path = tmp_path / 'lvis_v1_val.json'
    path.write_text(json.dumps(RECORDED['gt']))
    return build_dataset(dict(type='LVISV1Dataset', ann_file=str(path), pipeline=[], classes=CLASSES, **kwargs))


def _results(ds):
    index = {img_id: i for i, img_id in enumerate(ds.img_ids)}
    boxes = [[[] for _ in CLASSES] for _ in ds.img_ids]
    masks = [[[] for _ in CLASSES] for _ in ds.img_ids]
    for det in RECORDED['dets']:
        x, y, w, h = det['bbox']
        label = ds.cat2label[det['category_id']]
        boxes[index[det['image_id']]][label].append([x, y, x + w, y + h, det['score']])
        masks[index[det['image_id']]][label].append(det['segmentation'])
    return [([np.array(b, dtype=np.float32).reshape(-1, 5) for b in img_boxes], img_masks)
            for img_boxes, img_masks in zip(boxes, masks)]


def test_lvis_v1_dataset_evaluates_as_lvis(tmp_path):
    ds = _dataset(tmp_path, test_mode=True)
    assert ds.data_infos[0]['filename'] == 'val2017/000000000001.jpg'
    results = ds.evaluate(_results(ds), metric=['bbox', 'segm'], jsonfile_prefix=str(tmp_path / 'res'))
    for iou_type in ('bbox', 'segm'):
        for key, expected in RECORDED['results'][iou_type].items():
            if key.startswith('AP'):  # float32 boxes: equal up to mmdet's 4-decimal rounding
                assert results[f'{iou_type}_{key}'] == pytest.approx(expected, abs=2e-4), (iou_type, key)
        assert results[f'{iou_type}_mAP_copypaste'].startswith('AP:')
    assert (tmp_path / 'res.segm.json').exists()
    proposals = [np.concatenate([b for b in img_boxes]) for img_boxes, _ in _results(ds)]
    recall = ds.evaluate(proposals, metric='proposal_fast', proposal_nums=(100, 300))
    assert 0 < recall['AR@100'] <= recall['AR@300'] <= 1


def test_lvis_loading_rules(tmp_path):
    assert DATASETS.get('LVISDataset') is LVISV05Dataset
    assert len(LVISV05Dataset.CLASSES) == 1230 and len(LVISV1Dataset.CLASSES) == 1203
    train = _dataset(tmp_path)  # images without annotations are filtered for training
    assert len(train) == len({ann['image_id'] for ann in RECORDED['gt']['annotations']})
    assert LVISV05Dataset._image_filename(dict(file_name='COCO_val2014_000000397133.jpg')) == '000000397133.jpg'
    with pytest.raises(KeyError, match='has no "coco_url".*LVISV05Dataset'):
        LVISV1Dataset._image_filename(dict(id=3, file_name='a.jpg'))
    with pytest.raises(KeyError, match='metric mAP is not supported'):
        train.evaluate([], metric='mAP')


CONFIGS_RECORDED = json.load(open(osp.join(osp.dirname(__file__), '..', 'data', 'mmdet2282_lvis_configs.json')))


@pytest.mark.parametrize('name', sorted(CONFIGS_RECORDED['configs']))
def test_configs_merge_to_mmdets(name):
    keys = ('model', 'data', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'evaluation')
    assert merged_config(osp.join(CONFIGS, name), keys) == CONFIGS_RECORDED['configs'][name]
