"""Convert Pascal VOC annotations to mmdet's middle format (``.pkl``) or COCO json.

    python tools/dataset_converters/pascal_voc.py data/VOCdevkit -o data/voc_coco --out-format coco

Writes ``voc07_{train,val,trainval,test}``, ``voc12_{train,val,trainval}`` and, when both years are present,
``voc0712_{train,val,trainval}`` for every split list that exists. Boxes become 0-based (VOC's pixel indices
minus 1); difficult objects become ignored boxes (``iscrowd=1`` in COCO json). The files are mmdet 2.x's,
except that COCO annotation ids start at 1 (docs/compat.md).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.core.evaluation.class_names import VOC_CLASSES  # noqa: E402
from mmlite.utils import dump, list_from_file, mkdir_or_exist, track_progress  # noqa: E402

LABEL_IDS = {name: i for i, name in enumerate(VOC_CLASSES)}
PREFIXES = {('2007', ): 'voc07', ('2012', ): 'voc12', ('2007', '2012'): 'voc0712'}


def _number(node: ET.Element, tag: str, xml_path: str) -> int:
    field = node.find(tag)
    if field is None or field.text is None:
        raise ValueError(f'{xml_path}: <{tag}> is missing')
    return int(float(field.text))  # some labelling tools write 12.0


def parse_xml(args: tuple[str, str]) -> dict:
    """One image in the middle format, from ``(xml_path, img_path)``."""
    xml_path, img_path = args
    root = ET.parse(xml_path).getroot()
    size = root.find('size')
    if size is None:
        raise ValueError(f'{xml_path}: <size> is missing (width and height are needed)')
    boxes, labels, ignored, ignored_labels = [], [], [], []
    for obj in root.findall('object'):
        name = obj.find('name').text
        if name not in LABEL_IDS:
            raise ValueError(f'{xml_path}: object name {name!r} is not a VOC class; expected one of {VOC_CLASSES}')
        difficult = obj.find('difficult')
        box = [_number(obj.find('bndbox'), tag, xml_path) for tag in ('xmin', 'ymin', 'xmax', 'ymax')]
        is_difficult = difficult is not None and int(difficult.text) == 1
        (ignored if is_difficult else boxes).append(box)
        (ignored_labels if is_difficult else labels).append(LABEL_IDS[name])

    def as_boxes(rows):
        return np.array(rows, ndmin=2, dtype=np.float32) - 1 if rows else np.zeros((0, 4), dtype=np.float32)

    return dict(filename=img_path, width=_number(size, 'width', xml_path), height=_number(size, 'height', xml_path),
                ann=dict(bboxes=as_boxes(boxes), labels=np.array(labels, dtype=np.int64),
                         bboxes_ignore=as_boxes(ignored), labels_ignore=np.array(ignored_labels, dtype=np.int64)))


def _coco_annotation(box, label: int, image_id: int, ann_id: int, crowd: int) -> dict:
    x1, y1, x2, y2 = (int(v) for v in box)
    w, h = x2 - x1, y2 - y1
    return dict(segmentation=[[x1, y1, x1, y2, x2, y2, x2, y1]], area=w * h, ignore=0, iscrowd=crowd,
                image_id=image_id, bbox=[x1, y1, w, h], category_id=int(label), id=ann_id)


def to_coco(infos: list[dict]) -> dict:
    """COCO json of middle-format ``infos`` (image ids from 0, annotation ids from 1; category ids are the VOC
    label indices)."""
    images, annotations = [], []
    for image_id, info in enumerate(infos):
        images.append(dict(id=image_id, file_name=info['filename'], height=info['height'], width=info['width']))
        ann = info['ann']
        groups = ((ann['bboxes'], ann['labels'], 0), (ann['bboxes_ignore'], ann['labels_ignore'], 1))
        for boxes, labels, crowd in groups:
            for box, label in zip(boxes, labels):
                # ids from 1: pycocotools treats a matched annotation id of 0 as "unmatched" (mmdet started at 0)
                annotations.append(_coco_annotation(box, label, image_id, len(annotations) + 1, crowd))
    categories = [dict(supercategory='none', id=i, name=name) for i, name in enumerate(VOC_CLASSES)]
    return dict(images=images, type='instance', categories=categories, annotations=annotations)


def convert_split(devkit_path: str, years: tuple, split: str) -> list[dict] | None:
    """Middle-format infos of ``split`` over ``years``; None when a split list is missing."""
    tasks = []
    for year in years:
        filelist = osp.join(devkit_path, f'VOC{year}', 'ImageSets', 'Main', f'{split}.txt')
        if not osp.isfile(filelist):
            print(f'filelist does not exist: {filelist}, skip voc{year} {split}')
            return None
        for img_name in list_from_file(filelist):
            tasks.append((osp.join(devkit_path, f'VOC{year}', 'Annotations', f'{img_name}.xml'),
                          f'VOC{year}/JPEGImages/{img_name}.jpg'))
    return track_progress(parse_xml, tasks)


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description='Convert a VOC devkit\'s XML annotations to '
                                     'middle-format .pkl or COCO .json')
    parser.add_argument('devkit_path', help='the VOCdevkit folder (VOC2007/ and/or VOC2012/ inside)')
    parser.add_argument('-o', '--out-dir', help='output path (default: the devkit path)')
    parser.add_argument('--out-format', default='pkl', choices=('pkl', 'coco'),
                        help='pkl (middle format) or coco (json)')
    args = parser.parse_args(argv)
    out_dir = args.out_dir or args.devkit_path
    mkdir_or_exist(out_dir)
    present = tuple(y for y in ('2007', '2012') if osp.isdir(osp.join(args.devkit_path, f'VOC{y}')))
    if not present:
        raise FileNotFoundError(f'{args.devkit_path} holds neither VOC2007 nor VOC2012; pass the VOCdevkit folder')
    groups = [(y, ) for y in present] + ([present] if len(present) == 2 else [])
    written = []
    for years in groups:
        for split in ('train', 'val', 'trainval') + (('test', ) if len(years) == 1 else ()):
            name = f'{PREFIXES[years]}_{split}'
            print(f'processing {name} ...')
            infos = convert_split(args.devkit_path, years, split)
            if infos is None:
                continue
            path = osp.join(out_dir, f'{name}.{"json" if args.out_format == "coco" else "pkl"}')
            dump(to_coco(infos) if args.out_format == 'coco' else infos, path)
            written.append(path)
    print('Done!')
    return written


if __name__ == '__main__':
    main()
