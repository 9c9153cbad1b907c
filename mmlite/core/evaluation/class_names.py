"""Class names of the standard detection datasets (mmdet.core.evaluation names)."""
from __future__ import annotations

import functools
import json
import os.path as osp

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
               'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
               'train', 'tvmonitor')

COCO_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
    'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
    'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
    'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
    'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
    'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
    'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
    'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
    'teddy bear', 'hair drier', 'toothbrush')


@functools.lru_cache(maxsize=None)
def _recorded_classes() -> dict:
    """The longer class lists (Objects365, Open Images, ImageNet, Cityscapes, WIDER FACE), kept as data."""
    with open(osp.join(osp.dirname(__file__), 'dataset_classes.json'), encoding='utf-8') as f:
        return json.load(f)


def voc_classes() -> list[str]:
    return list(VOC_CLASSES)


def coco_classes() -> list[str]:
    return list(COCO_CLASSES)


def wider_face_classes() -> list[str]:
    return list(_recorded_classes()['wider_face'])


def imagenet_det_classes() -> list[str]:
    return list(_recorded_classes()['imagenet_det'])


def imagenet_vid_classes() -> list[str]:
    return list(_recorded_classes()['imagenet_vid'])


def cityscapes_classes() -> list[str]:
    return list(_recorded_classes()['cityscapes'])


def oid_challenge_classes() -> list[str]:
    """The 500 classes of the Open Images 2019 challenge (two names occur twice, as in the challenge's list)."""
    return list(_recorded_classes()['oid_challenge'])


def oid_v6_classes() -> list[str]:
    return list(_recorded_classes()['oid_v6'])


def objects365v1_classes() -> list[str]:
    return list(_recorded_classes()['objects365v1'])


def objects365v2_classes() -> list[str]:
    return list(_recorded_classes()['objects365v2'])


dataset_aliases = {
    'voc': ['voc', 'pascal_voc', 'voc07', 'voc12'],
    'imagenet_det': ['det', 'imagenet_det', 'ilsvrc_det'],
    'imagenet_vid': ['vid', 'imagenet_vid', 'ilsvrc_vid'],
    'coco': ['coco', 'mscoco', 'ms_coco'],
    'wider_face': ['WIDERFaceDataset', 'wider_face', 'WIDERFace'],
    'cityscapes': ['cityscapes'],
    'oid_challenge': ['oid_challenge', 'openimages_challenge'],
    'oid_v6': ['oid_v6', 'openimages_v6'],
    'objects365v1': ['objects365v1', 'obj365v1'],
    'objects365v2': ['objects365v2', 'obj365v2'],
}
_CLASS_LISTS = {'voc': voc_classes, 'imagenet_det': imagenet_det_classes, 'imagenet_vid': imagenet_vid_classes,
                'coco': coco_classes, 'wider_face': wider_face_classes, 'cityscapes': cityscapes_classes,
                'oid_challenge': oid_challenge_classes, 'oid_v6': oid_v6_classes,
                'objects365v1': objects365v1_classes, 'objects365v2': objects365v2_classes}


def get_classes(dataset: str) -> list[str]:
    """Class names of a dataset by name or alias ('coco', 'voc07', 'cityscapes', 'obj365v2', ...)."""
    if not isinstance(dataset, str):
        raise TypeError(f'dataset must be a str, but got {type(dataset)}')
    for name, aliases in dataset_aliases.items():
        if dataset in aliases:
            return _CLASS_LISTS[name]()
    known = sorted(alias for aliases in dataset_aliases.values() for alias in aliases)
    raise ValueError(f'Unrecognized dataset: {dataset}; known: {known}')
