"""mmdet 2.x's other datasets (Objects365 v1/v2, Cityscapes, WIDER FACE, DeepFashion), their class lists and
configs (tests/data/mmdet2282_dataset_configs.json: mmdet 2.28.2's merged configs)."""
import json
import os.path as osp

import numpy as np
import pycocotools.mask as mask_utils
import pytest
from PIL import Image

from mmlite.core.evaluation import dataset_aliases, get_classes, objects365v1_classes
from mmlite.datasets import (CityscapesDataset, DeepFashionDataset, Objects365V1Dataset, Objects365V2Dataset,
                             WIDERFaceDataset, build_dataset)
from mmlite.datasets.cityscapes import CITYSCAPES_LABEL_IDS

from ..test_models._tiny import CONFIGS, merged_config
from .test_datasets import write_coco

DATA = osp.join(osp.dirname(__file__), '..', 'data')
RECORDED = json.load(open(osp.join(DATA, 'mmdet2282_dataset_configs.json')))
KEYS = ('model', 'data', 'optimizer', 'optimizer_config', 'lr_config', 'runner', 'evaluation', 'checkpoint_config',
        'auto_scale_lr', 'load_from', 'log_config', 'custom_hooks')


@pytest.mark.parametrize('name', sorted(RECORDED['configs']))
def test_configs_merge_to_mmdets(name):
    assert merged_config(osp.join(CONFIGS, name), KEYS) == RECORDED['configs'][name]


def test_class_lists_and_aliases():
    sizes = dict(voc=20, coco=80, wider_face=1, imagenet_det=200, imagenet_vid=30, cityscapes=8, oid_challenge=500,
                 oid_v6=601, objects365v1=365, objects365v2=365)
    for name, aliases in dataset_aliases.items():
        for alias in aliases:
            assert len(get_classes(alias)) == sizes[name]
    assert get_classes('obj365v1') == objects365v1_classes() == list(Objects365V1Dataset.CLASSES)
    assert get_classes('cityscapes') == list(CityscapesDataset.CLASSES) == list(CITYSCAPES_LABEL_IDS)
    assert get_classes('WIDERFace') == ['face'] and len(DeepFashionDataset.CLASSES) == 15
    get_classes('coco').append('changed')  # a copy each time
    assert len(get_classes('coco')) == 80
    with pytest.raises(ValueError, match='Unrecognized dataset: lvis.*obj365v2'):
        get_classes('lvis')
    with pytest.raises(TypeError, match='must be a str'):
        get_classes(3)


def _objects365_file(tmp_path, classes, file_names, shuffled=False):
    cats = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    if shuffled:
        cats = cats[::-1]
    images = [dict(id=i + 1, file_name=f, width=100, height=100) for i, f in enumerate(file_names)]
    anns = [dict(id=i + 1, image_id=i + 1, category_id=(i % 3) + 1, bbox=[10, 10, 30, 30], area=900, iscrowd=0)
            for i in range(len(images))]
    return write_coco(tmp_path, images, anns, cats)


def test_objects365_v1_labels_follow_the_classes_whatever_the_file_order(tmp_path):
    names = ['a.jpg', 'b.jpg', 'c.jpg']
    for shuffled in (False, True):
        ds = Objects365V1Dataset(_objects365_file(tmp_path, Objects365V1Dataset.CLASSES, names, shuffled), [])
        assert [ds.get_ann_info(i)['labels'].tolist() for i in range(3)] == [[0], [1], [2]]
        assert [c['id'] for c in ds.coco.dataset['categories']] == list(range(1, 366))
        assert list(ds.coco.cats) == list(range(1, 366))


def test_objects365_v2_paths_and_missing_images(tmp_path):
    names = ['images/v2/patch3/objects365_v2_1.jpg', 'images/v1/patch6/objects365_v1_00320532.jpg',
             'images/v2/patch16/objects365_v2_2.jpg']
    ds = Objects365V2Dataset(_objects365_file(tmp_path, Objects365V2Dataset.CLASSES, names), [])
    assert [info['filename'] for info in ds.data_infos] == ['patch3/objects365_v2_1.jpg', 'patch16/objects365_v2_2.jpg']
    assert ds.img_ids == [1, 3]  # aligned with data_infos (mmdet kept the skipped id, shifting every later image)
    assert [ds.get_ann_info(i)['labels'].tolist() for i in range(2)] == [[0], [2]]
    results = [[np.zeros((0, 5), np.float32)] * 365 for _ in range(2)]
    for i, label in enumerate((0, 2)):
        results[i][label] = np.array([[10, 10, 40, 40, 0.9]], np.float32)
    assert ds.evaluate(results)['bbox_mAP'] == pytest.approx(1.0)


def _write_wider(tmp_path, folder='0--Parade'):
    root = tmp_path / 'WIDER_val'
    (root / 'Annotations').mkdir(parents=True)
    folder_xml = f'<folder>{folder}</folder>' if folder else ''
    (root / 'Annotations' / '0_Parade_1.xml').write_text(
        f'<annotation>{folder_xml}<size><width>200</width><height>100</height></size>'
        '<object><name>face</name><difficult>0</difficult><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>41</xmax>'
        '<ymax>61</ymax></bndbox></object></annotation>')
    (tmp_path / 'val.txt').write_text('0_Parade_1\n')
    return dict(ann_file=str(tmp_path / 'val.txt'), img_prefix=str(root) + '/', pipeline=[])


def test_wider_face_reads_the_folder_from_each_xml(tmp_path):
    ds = build_dataset(dict(type='WIDERFaceDataset', **_write_wider(tmp_path)))
    assert isinstance(ds, WIDERFaceDataset)
    assert ds.data_infos == [dict(id='0_Parade_1', filename='0--Parade/0_Parade_1.jpg', width=200, height=100)]
    ann = ds.get_ann_info(0)
    assert ann['bboxes'].tolist() == [[10, 20, 40, 60]] and ann['labels'].tolist() == [0]


def test_wider_face_without_folder_names_the_file(tmp_path):
    with pytest.raises(ValueError, match='0_Parade_1.xml: expected <size> and <folder>'):
        WIDERFaceDataset(**_write_wider(tmp_path, folder=None))


CITY = 'frankfurt'
FRAME = f'{CITY}_000000_000019'
MASKS = {'car': (slice(10, 40), slice(10, 50)), 'person': (slice(20, 60), slice(70, 90))}


def _write_cityscapes(tmp_path):
    """One 64x128 val image with a car and a person: the COCO file of mmdet's converter and gtFine instance ids."""
    gt = np.zeros((64, 128), np.uint16)
    for k, (name, region) in enumerate(MASKS.items()):
        gt[region] = CITYSCAPES_LABEL_IDS[name] * 1000 + k
    gt_dir = tmp_path / 'gtFine' / 'val' / CITY
    gt_dir.mkdir(parents=True)
    Image.fromarray(gt.astype(np.uint16)).save(gt_dir / f"{FRAME}_gtFine_instanceIds.png")
    cats = [dict(id=i + 1, name=name) for i, name in enumerate(CityscapesDataset.CLASSES)]
    anns = []
    for k, (name, (rows, cols)) in enumerate(MASKS.items()):
        box = [cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start]
        anns.append(dict(id=k + 1, image_id=1, category_id=CityscapesDataset.CLASSES.index(name) + 1, bbox=box,
                         area=box[2] * box[3], iscrowd=0, segmentation=[[cols.start, rows.start, cols.stop, rows.start,
                                                                         cols.stop, rows.stop, cols.start, rows.stop]]))
    anns.append(dict(id=3, image_id=2, category_id=1, bbox=[0, 0, 50, 50], area=2500, iscrowd=1, segmentation=[]))
    images = [dict(id=1, file_name=f'{CITY}/{FRAME}_leftImg8bit.png', width=128, height=64,
                   segm_file=f'{CITY}/{FRAME}_gtFine_labelTrainIds.png'),
              dict(id=2, file_name=f'{CITY}/crowd_leftImg8bit.png', width=128, height=64, segm_file='crowd.png')]
    ann_file = write_coco(tmp_path, images, anns, cats)
    return dict(ann_file=ann_file, img_prefix=str(tmp_path / 'leftImg8bit' / 'val') + '/', pipeline=[])


def _perfect_results():
    bboxes = [np.zeros((0, 5), np.float32) for _ in range(8)]
    segms = [[] for _ in range(8)]
    for name, (rows, cols) in MASKS.items():
        label = CityscapesDataset.CLASSES.index(name)
        bboxes[label] = np.array([[cols.start, rows.start, cols.stop, rows.stop, 0.9]], np.float32)
        mask = np.zeros((64, 128), np.uint8)
        mask[rows, cols] = 1
        segms[label] = [mask_utils.encode(np.asfortranarray(mask))]
    return [(bboxes, segms)]


def test_cityscapes_filters_crowd_only_images_and_reads_segm_file(tmp_path):
    kwargs = _write_cityscapes(tmp_path)
    train = CityscapesDataset(**kwargs)
    assert [info['id'] for info in train.data_infos] == train.img_ids == [1]
    ann = train.get_ann_info(0)
    assert ann['seg_map'] == f'{CITY}/{FRAME}_gtFine_labelTrainIds.png'
    assert ann['labels'].tolist() == [2, 0] and len(ann['masks']) == 2
    assert len(CityscapesDataset(filter_empty_gt=False, **kwargs)) == 2


def test_cityscapes_submission_files(tmp_path):
    ds = CityscapesDataset(test_mode=False, **_write_cityscapes(tmp_path))
    files, tmp_dir = ds.format_results(_perfect_results(), txtfile_prefix=str(tmp_path / 'out'))
    assert tmp_dir is None and files == [str(tmp_path / 'out' / f'{FRAME}_leftImg8bit_pred.txt')]
    lines = open(files[0]).read().split('\n')
    assert lines == [f'{FRAME}_leftImg8bit_0_person.png 24 0.8999999761581421',
                     f'{FRAME}_leftImg8bit_1_car.png 26 0.8999999761581421', '']
    person = np.array(Image.open(tmp_path / 'out' / f'{FRAME}_leftImg8bit_0_person.png'))
    assert person.dtype == np.uint8 and person.sum() == 40 * 20 and person[MASKS['person']].all()
    with pytest.raises(ValueError, match='not equal to the dataset len'):
        ds.format_results([])


def test_cityscapes_coco_metrics_write_json_not_txt(tmp_path):
    ds = CityscapesDataset(**_write_cityscapes(tmp_path))
    results = ds.evaluate(_perfect_results(), metric=['bbox', 'segm'], outfile_prefix=str(tmp_path / 'res'))
    assert results['bbox_mAP'] == pytest.approx(1.0) and results['segm_mAP'] == pytest.approx(1.0)
    assert (tmp_path / 'res.bbox.json').exists() and not (tmp_path / 'res').exists()


@pytest.mark.parametrize('prefix', [None, 'out'])
def test_cityscapes_metric(tmp_path, prefix, monkeypatch):
    pytest.importorskip('cityscapesscripts')
    ds = CityscapesDataset(**_write_cityscapes(tmp_path))
    monkeypatch.chdir(tmp_path)
    outfile_prefix = None if prefix is None else str(tmp_path / prefix)
    results = ds.evaluate(_perfect_results(), metric=['cityscapes', 'bbox'], outfile_prefix=outfile_prefix)
    assert results['mAP'] == pytest.approx(1.0) and results['AP@50'] == pytest.approx(1.0)
    assert results['bbox_mAP'] == pytest.approx(1.0)
    # with a prefix the files stay where they were written and are what was evaluated (mmdet looked in <prefix>/results)
    assert (prefix is None) != (tmp_path / 'out' / f'{FRAME}_leftImg8bit_pred.txt').exists()
    assert not (tmp_path / 'matches.json').exists()  # cityscapesscripts' scratch file stays out of the working dir


def test_cityscapes_metric_errors_name_the_fix(tmp_path, monkeypatch):
    ds = CityscapesDataset(**_write_cityscapes(tmp_path))
    monkeypatch.setitem(__import__('sys').modules, 'cityscapesscripts', None)
    with pytest.raises(ImportError, match='pip install cityscapesscripts'):
        ds.evaluate(_perfect_results(), metric='cityscapes')
