"""The embedded toy set in COCO panoptic format: its shapes as things, the rest as one stuff class.

``make_toy_panoptic(root, split)`` writes ``root/annotations/panoptic_<split>.json`` and the segment PNGs
under ``root/annotations/panoptic_<split>/`` from the toy set's polygons (later shapes on top, as drawn),
atomically; ``ToyCocoPanopticDataset`` does it on first use, so a panoptic quickstart needs no download.
"""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np

from .api_wrappers.panoptic_evaluation import id2rgb
from .coco_panoptic import CocoPanopticDataset
from .custom import _join_root
from .registry import DATASETS
from .toy_coco import _DONE, TOY_CLASSES, _complete_atomically, make_toy_coco

TOY_STUFF_CLASSES = ('background', )
_BACKGROUND_ID = 1  # segment id of the stuff region; shape k of an image gets id 1000 + k


def _segment(segment_id: int, category_id: int, mask: np.ndarray) -> dict | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    x0, y0 = int(xs.min()), int(ys.min())
    return dict(id=segment_id, category_id=category_id, iscrowd=0, area=int(len(xs)),
                bbox=[x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1])


def _image_segments(img: dict, shapes: list) -> tuple[np.ndarray, list]:
    from PIL import Image, ImageDraw
    canvas = Image.new('I', (img['width'], img['height']), _BACKGROUND_ID)
    draw = ImageDraw.Draw(canvas)
    for k, ann in enumerate(shapes):
        draw.polygon(ann['segmentation'][0], fill=1000 + k)
    ids = np.array(canvas, dtype=np.int64)
    segments = [_segment(1000 + k, ann['category_id'], ids == 1000 + k) for k, ann in enumerate(shapes)]
    segments.append(_segment(_BACKGROUND_ID, len(TOY_CLASSES) + 1, ids == _BACKGROUND_ID))
    return ids, [s for s in segments if s is not None]


def make_toy_panoptic(root: str, split: str) -> str:
    """Write the panoptic annotations of ``split`` (no-op when complete); returns the JSON's path."""
    from PIL import Image
    ann_file = osp.join(root, 'annotations', f'panoptic_{split}.json')
    png_dir = osp.join(root, 'annotations', f'panoptic_{split}')
    if osp.isfile(osp.join(png_dir, _DONE)) and osp.isfile(ann_file):
        return ann_file
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        coco = json.load(f)
    shapes: dict = {}
    for ann in coco['annotations']:
        shapes.setdefault(ann['image_id'], []).append(ann)
    annotations = []
    with _complete_atomically(png_dir, f'.panoptic_{split}_') as tmp:
        for img in coco['images']:
            ids, segments = _image_segments(img, shapes.get(img['id'], []))
            name = osp.splitext(img['file_name'])[0] + '.png'
            Image.fromarray(id2rgb(ids)).save(osp.join(tmp, name))
            annotations.append(dict(image_id=img['id'], file_name=name, segments_info=segments))
    categories = [dict(id=i + 1, name=name, supercategory='shape', isthing=1) for i, name in enumerate(TOY_CLASSES)]
    categories += [dict(id=len(TOY_CLASSES) + 1 + i, name=name, supercategory='stuff', isthing=0)
                   for i, name in enumerate(TOY_STUFF_CLASSES)]
    data = dict(images=coco['images'], annotations=annotations, categories=categories)
    tmp_file = f'{ann_file}.{os.getpid()}.tmp'
    with open(tmp_file, 'w') as f:
        json.dump(data, f)
    os.replace(tmp_file, ann_file)
    return ann_file


@DATASETS.register_module()
class ToyCocoPanopticDataset(CocoPanopticDataset):
    """CocoPanopticDataset over the embedded toy set (3 thing classes, 1 stuff class), generated on first
    use when ``ann_file`` is ``<root>/annotations/panoptic_{train,val}.json``."""

    THING_CLASSES = TOY_CLASSES
    STUFF_CLASSES = TOY_STUFF_CLASSES
    CLASSES = TOY_CLASSES + TOY_STUFF_CLASSES
    PALETTE = None

    def __init__(self, ann_file: str, data_root: str | None = None, num_train: int = 400, num_val: int = 100,
                 seed: int = 0, **kwargs):
        path = osp.abspath(_join_root(data_root, ann_file))
        root, name = osp.dirname(osp.dirname(path)), osp.basename(path)
        split = name[len('panoptic_'):-len('.json')] if name.startswith('panoptic_') else None
        if split in ('train', 'val') and osp.basename(osp.dirname(path)) == 'annotations':
            make_toy_coco(root, num_train=num_train, num_val=num_val, seed=seed)
            make_toy_panoptic(root, split)
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)
