"""An embedded, deterministic toy COCO data set: coloured shapes on varied backgrounds.

``make_toy_coco(root)`` writes ``root/{train,val}/*.jpg`` and
``root/annotations/instances_{train,val}.json`` (boxes and polygon masks of rectangles, ellipses
and triangles). Generation is atomic (a temporary directory renamed into place), so concurrent
processes and interrupted runs never see a half-written set. ``ToyCocoDataset`` generates it on
first use, which lets the quickstart run without any download; with ``seg_prefix`` set to
``root/stuffthingmaps/<split>/`` it also writes per-pixel class maps for HTC's semantic branch.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import os.path as osp
import shutil
import tempfile

import numpy as np

from .coco import CocoDataset
from .custom import _join_root
from .registry import DATASETS

TOY_CLASSES = ('rectangle', 'ellipse', 'triangle')
_DONE = '.complete'


def _background(rng: np.random.RandomState, h: int, w: int) -> np.ndarray:
    start, end = rng.uniform(40, 215, 3), rng.uniform(40, 215, 3)
    direction = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w]
    t = (np.cos(direction) * xs / w + np.sin(direction) * ys / h + 1) / 2
    img = start * (1 - t[..., None]) + end * t[..., None]
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _vivid_color(rng: np.random.RandomState) -> tuple:
    color = rng.randint(0, 256, 3)
    color[rng.randint(3)] = rng.choice([20, 235])
    return tuple(int(c) for c in color)


def _shape_polygon(rng: np.random.RandomState, label: int, cx: float, cy: float, w: float, h: float) -> list:
    if label == 0:  # rectangle
        return [(cx - w / 2, cy - h / 2), (cx + w / 2, cy - h / 2), (cx + w / 2, cy + h / 2),
                (cx - w / 2, cy + h / 2)]
    if label == 1:  # ellipse
        angles = np.linspace(0, 2 * math.pi, 24, endpoint=False)
        return [(cx + w / 2 * math.cos(a), cy + h / 2 * math.sin(a)) for a in angles]
    rot = rng.uniform(0, 2 * math.pi)  # triangle
    r = max(w, h) / 2
    return [(cx + r * math.cos(rot + k * 2 * math.pi / 3), cy + r * math.sin(rot + k * 2 * math.pi / 3))
            for k in range(3)]


def _polygon_area(points: list) -> float:
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))


def _iou(a: list, b: list) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _image_objects(rng: np.random.RandomState, width: int, height: int) -> list[tuple]:
    objects = []
    for _ in range(rng.randint(1, 4)):
        for _attempt in range(20):
            label = int(rng.randint(len(TOY_CLASSES)))
            size = rng.uniform(22, min(60, min(width, height) * 0.6))
            w, h = size * rng.uniform(0.7, 1.0), size * rng.uniform(0.7, 1.0)
            cx, cy = rng.uniform(w / 2 + 2, width - w / 2 - 2), rng.uniform(h / 2 + 2, height - h / 2 - 2)
            poly = [(min(max(x, 0.), width - 1.), min(max(y, 0.), height - 1.))
                    for x, y in _shape_polygon(rng, label, cx, cy, w, h)]
            xs, ys = [p[0] for p in poly], [p[1] for p in poly]
            box = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            if box[2] >= 8 and box[3] >= 8 and all(_iou(box, o[1]) < 0.15 for o in objects):
                objects.append((label, box, poly))
                break
    return objects


def _make_split(rng: np.random.RandomState, num_images: int, img_dir: str, first_ann_id: int) -> dict:
    from PIL import Image, ImageDraw
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for img_id in range(1, num_images + 1):
        width, height = int(rng.randint(112, 177)), int(rng.randint(96, 145))
        canvas = Image.fromarray(_background(rng, height, width))
        draw = ImageDraw.Draw(canvas)
        for label, box, poly in _image_objects(rng, width, height):
            draw.polygon(poly, fill=_vivid_color(rng))
            annotations.append(dict(
                id=first_ann_id + len(annotations), image_id=img_id, category_id=label + 1,
                bbox=[round(v, 2) for v in box], area=round(_polygon_area(poly), 2), iscrowd=0,
                segmentation=[[round(c, 2) for p in poly for c in p]]))
        name = f'{img_id:06d}.jpg'
        canvas.save(osp.join(img_dir, name), quality=92)
        images.append(dict(id=img_id, file_name=name, width=width, height=height))
    categories = [dict(id=i + 1, name=name, supercategory='shape') for i, name in enumerate(TOY_CLASSES)]
    return dict(images=images, annotations=annotations, categories=categories)


def make_toy_coco(root: str, num_train: int = 400, num_val: int = 100, seed: int = 0) -> str:
    """Write the toy data set under ``root`` (no-op when it is already complete); returns root.

    ``root`` must not exist or be empty: a folder holding anything else without the completion
    marker is never deleted or written into (it may be someone's data); that is an error.
    """
    root = osp.abspath(root)
    if osp.isfile(osp.join(root, _DONE)):
        return root
    if osp.exists(root) and (not osp.isdir(root) or os.listdir(root)):
        raise FileExistsError(
            f'{root} exists and is not a complete toy data set (no {_DONE} marker); mmlite does not '
            'touch it. Generate the toy set in a new folder (data_root=...), or remove that folder '
            'yourself if it is an old, incomplete toy set.')
    with _complete_atomically(root, '.toy_coco_') as tmp:
        rng = np.random.RandomState(seed)
        os.makedirs(osp.join(tmp, 'annotations'))
        first_id = 1
        for split, count in (('train', num_train), ('val', num_val)):
            coco = _make_split(rng, count, osp.join(tmp, split), first_id)
            first_id += len(coco['annotations'])
            with open(osp.join(tmp, 'annotations', f'instances_{split}.json'), 'w') as f:
                json.dump(coco, f)
    return root


@contextlib.contextmanager
def _complete_atomically(dest: str, prefix: str):
    """Yield a temporary folder beside ``dest``; when the block succeeds, mark it complete and rename it to
    ``dest`` (replacing an empty folder). If another process completed ``dest`` first, its copy stays. The
    temporary folder never outlives the block."""
    parent = osp.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=prefix, dir=parent)
    try:
        yield tmp
        open(osp.join(tmp, _DONE), 'w').close()
        try:
            os.rename(tmp, dest)  # replaces an empty folder; fails on a non-empty one
        except OSError:
            if not osp.isfile(osp.join(dest, _DONE)):  # another process won the race otherwise
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_toy_semantic_maps(root: str, split: str) -> str:
    """Write ``root/stuffthingmaps/<split>/<image>.png`` (no-op when complete); returns that folder.

    Each map holds, per pixel, the 0-based class of the shape covering it (later shapes on top, as drawn
    in the image) and ``len(TOY_CLASSES)`` for the background: a stuff+thing map as HTC's semantic head
    trains on. The maps are rasterised from the split's annotation polygons, atomically, like the set.
    """
    from PIL import Image, ImageDraw
    out_dir = osp.join(root, 'stuffthingmaps', split)
    if osp.isfile(osp.join(out_dir, _DONE)):
        return out_dir
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        coco = json.load(f)
    shapes: dict = {}
    for ann in coco['annotations']:
        shapes.setdefault(ann['image_id'], []).append(ann)
    with _complete_atomically(out_dir, f'.{split}_') as tmp:
        for img in coco['images']:
            canvas = Image.new('L', (img['width'], img['height']), len(TOY_CLASSES))
            draw = ImageDraw.Draw(canvas)
            for ann in shapes.get(img['id'], []):
                draw.polygon(ann['segmentation'][0], fill=ann['category_id'] - 1)
            canvas.save(osp.join(tmp, img['file_name'].replace('jpg', 'png')))
    return out_dir


def toy_root_of(ann_file: str) -> str | None:
    """The toy data root whose generator writes ``ann_file``
    (``<root>/annotations/instances_{train,val}.json``), else None."""
    path = osp.abspath(ann_file)
    root = osp.dirname(osp.dirname(path))
    generated = {osp.join(root, 'annotations', f'instances_{split}.json') for split in ('train', 'val')}
    return root if path in generated else None


@DATASETS.register_module()
class ToyCocoDataset(CocoDataset):
    """CocoDataset over the embedded toy set, generated on first use when ``ann_file`` is one of
    the toy set's annotation files (``<root>/annotations/instances_{train,val}.json``); any other
    ``ann_file`` is read as it is."""

    CLASSES = TOY_CLASSES

    def __init__(self, ann_file: str, data_root: str | None = None, num_train: int = 400,
                 num_val: int = 100, seed: int = 0, **kwargs):
        root = toy_root_of(_join_root(data_root, ann_file))  # the path CustomDataset will read
        if root is not None:
            make_toy_coco(root, num_train=num_train, num_val=num_val, seed=seed)
            _maybe_make_semantic_maps(root, ann_file, data_root, kwargs.get('seg_prefix'))
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)


def _maybe_make_semantic_maps(root: str, ann_file: str, data_root: str | None, seg_prefix: str | None) -> None:
    """Generate the toy semantic maps when ``seg_prefix`` is the toy set's own map folder of this split."""
    if seg_prefix is None:
        return
    split = osp.basename(ann_file)[len('instances_'):-len('.json')]
    if osp.abspath(_join_root(data_root, seg_prefix)) == osp.join(root, 'stuffthingmaps', split):
        make_toy_semantic_maps(root, split)
