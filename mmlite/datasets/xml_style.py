"""``XMLDataset`` and ``VOCDataset``: Pascal VOC style annotations."""
from __future__ import annotations

import os.path as osp
import xml.etree.ElementTree as ET
from collections import OrderedDict

import numpy as np

from ..core.evaluation.class_names import VOC_CLASSES
from ..utils import list_from_file
from ._map_recall_eval import evaluate_map, evaluate_recall, single_metric
from .custom import CustomDataset, _join_root
from .registry import DATASETS


@DATASETS.register_module()
class XMLDataset(CustomDataset):
    """Images listed one id per line in ``ann_file``; boxes in ``<img_prefix>/<ann_subdir>/<id>.xml``.

    Args:
        min_size: Boxes smaller than this (either side) become ignored boxes. Defaults to None.
        img_subdir: Image directory under ``img_prefix``. Defaults to 'JPEGImages'.
        ann_subdir: XML directory under ``img_prefix``. Defaults to 'Annotations'.
    """

    def __init__(self, min_size: int | None = None, img_subdir: str = 'JPEGImages',
                 ann_subdir: str = 'Annotations', **kwargs):
        if not (self.CLASSES or kwargs.get('classes')):
            raise ValueError('CLASSES in `XMLDataset` can not be None; pass classes=(...)')
        self.img_subdir, self.ann_subdir, self.min_size = img_subdir, ann_subdir, min_size
        super().__init__(**kwargs)
        self.cat2label = {cat: i for i, cat in enumerate(self.CLASSES)}

    def _xml_root(self, img_id: str) -> ET.Element:
        path = osp.join(self.img_prefix, self.ann_subdir, f'{img_id}.xml')
        try:
            return ET.parse(path).getroot()
        except (OSError, ET.ParseError) as exc:
            raise ValueError(f'{path}: cannot read the annotation of image {img_id} ({exc})') from exc

    def load_annotations(self, ann_file: str) -> list:
        infos = []
        for img_id in list_from_file(ann_file):
            filename = osp.join(self.img_subdir, f'{img_id}.jpg')
            size = self._xml_root(img_id).find('size')
            if size is not None:
                width, height = int(size.find('width').text), int(size.find('height').text)
            else:
                from PIL import Image
                with Image.open(osp.join(self.img_prefix, filename)) as img:
                    width, height = img.size
            infos.append(dict(id=img_id, filename=filename, width=width, height=height))
        return infos

    def _filter_imgs(self, min_size: int = 32) -> list[int]:
        valid = []
        for i, info in enumerate(self.data_infos):
            if min(info['width'], info['height']) < min_size:
                continue
            if not self.filter_empty_gt or any(
                    obj.find('name').text in self.CLASSES for obj in self._xml_root(info['id']).findall('object')):
                valid.append(i)
        return valid

    def get_ann_info(self, idx: int) -> dict:
        cat2label = {cat: i for i, cat in enumerate(self.CLASSES)}
        boxes, labels, boxes_ignore, labels_ignore = [], [], [], []
        for obj in self._xml_root(self.data_infos[idx]['id']).findall('object'):
            name = obj.find('name').text
            if name not in cat2label:
                continue
            difficult = obj.find('difficult')
            difficult = 0 if difficult is None else int(difficult.text)
            bnd = obj.find('bndbox')
            bbox = [int(float(bnd.find(k).text)) for k in ('xmin', 'ymin', 'xmax', 'ymax')]
            small = self.min_size and not self.test_mode and (
                bbox[2] - bbox[0] < self.min_size or bbox[3] - bbox[1] < self.min_size)
            if difficult or small:
                boxes_ignore.append(bbox)
                labels_ignore.append(cat2label[name])
            else:
                boxes.append(bbox)
                labels.append(cat2label[name])
        # VOC coordinates are 1-based
        zero_based = np.array(boxes, dtype=np.float32).reshape(-1, 4) - 1 if boxes else np.zeros((0, 4), np.float32)
        return dict(bboxes=zero_based,
                    labels=np.array(labels, dtype=np.int64),
                    bboxes_ignore=(np.array(boxes_ignore, dtype=np.float32).reshape(-1, 4) - 1)
                    if boxes_ignore else np.zeros((0, 4), np.float32),
                    labels_ignore=np.array(labels_ignore, dtype=np.int64))

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.get_ann_info(idx)['labels'].tolist()


@DATASETS.register_module()
class VOCDataset(XMLDataset):
    """Pascal VOC 2007/2012 (the year is read from ``img_prefix``; 2007 uses 11-point AP)."""

    CLASSES = VOC_CLASSES
    PALETTE = [(106, 0, 228), (119, 11, 32), (165, 42, 42), (0, 0, 192), (197, 226, 255), (0, 60, 100), (0, 0, 142),
               (255, 77, 255), (153, 69, 1), (120, 166, 157), (0, 182, 199), (0, 226, 252), (182, 182, 255),
               (0, 0, 230), (220, 20, 60), (163, 255, 0), (0, 82, 0), (3, 95, 161), (0, 80, 100), (183, 130, 88)]

    def __init__(self, **kwargs):
        img_prefix = _join_root(kwargs.get('data_root'), kwargs.get('img_prefix', ''))
        if 'VOC2007' in img_prefix:
            self.year = 2007
        elif 'VOC2012' in img_prefix:
            self.year = 2012
        else:
            raise ValueError(f'Cannot infer dataset year from img_prefix {img_prefix!r} '
                             '(it should contain VOC2007 or VOC2012)')
        super().__init__(**kwargs)

    def evaluate(self, results, metric='mAP', logger=None, proposal_nums=(100, 300, 1000), iou_thr=0.5,
                 scale_ranges=None) -> OrderedDict:
        """``mAP`` with VOC's 1-based box convention (11-point AP for 2007) or ``recall``."""
        metric = single_metric(type(self).__name__, metric)
        annotations = [self.get_ann_info(i) for i in range(len(self))]
        if metric == 'mAP':
            return evaluate_map(results, annotations, iou_thr, logger, move_map_first=True,
                                dataset='voc07' if self.year == 2007 else self.CLASSES, use_legacy_coordinate=True)
        return evaluate_recall(results, annotations, proposal_nums, iou_thr, logger, use_legacy_coordinate=True)
