"""Class names of the standard detection datasets (mmdet.core.evaluation names)."""
from __future__ import annotations

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


def voc_classes() -> list[str]:
    return list(VOC_CLASSES)


def coco_classes() -> list[str]:
    return list(COCO_CLASSES)


_ALIASES = {'voc': VOC_CLASSES, 'pascal_voc': VOC_CLASSES, 'voc07': VOC_CLASSES, 'voc12': VOC_CLASSES,
            'coco': COCO_CLASSES, 'mscoco': COCO_CLASSES, 'ms_coco': COCO_CLASSES}


def get_classes(dataset: str) -> list[str]:
    """Class names of a dataset by name ('coco', 'voc', 'voc07'...)."""
    if dataset not in _ALIASES:
        raise ValueError(f'Unrecognized dataset: {dataset}; known: {sorted(_ALIASES)}')
    return list(_ALIASES[dataset])
