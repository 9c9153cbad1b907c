"""COCO bbox evaluation time: ``CocoDataset.evaluate`` against calling pycocotools directly.

Detections are the toy val set's ground-truth boxes, jittered, plus random false positives
(``--per-image`` detections per image), as mmdet's per-class arrays. Direct pycocotools: stack
them into pycocotools' own ``[image_id, x, y, w, h, score, category]`` array, ``loadRes``,
``COCOeval`` evaluate/accumulate/summarize. mmlite: ``CocoDataset.evaluate(results)``.

    python benchmarks/eval_speed.py [--images 100] [--per-image 30] [--rounds 5]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from pycocotools.cocoeval import COCOeval  # noqa: E402

from mmlite.datasets import build_dataset, make_toy_coco  # noqa: E402

TARGET_RATIO = 1.1


def make_results(dataset, per_image: int, seed: int = 0) -> list:
    """mmdet-style results: per image, one (n, 5) array per class."""
    rng = np.random.RandomState(seed)
    results = []
    for idx in range(len(dataset)):
        ann = dataset.get_ann_info(idx)
        info = dataset.data_infos[idx]
        per_class = [[] for _ in dataset.CLASSES]
        for box, label in zip(ann['bboxes'], ann['labels']):
            jitter = rng.normal(0, 3, 4)
            per_class[label].append([*(box + jitter), rng.uniform(0.5, 1.0)])
        for _ in range(per_image - len(ann['bboxes'])):
            x, y = rng.uniform(0, info['width'] - 10), rng.uniform(0, info['height'] - 10)
            w, h = rng.uniform(5, 40, 2)
            per_class[rng.randint(len(dataset.CLASSES))].append([x, y, x + w, y + h, rng.uniform(0, 0.6)])
        results.append([np.array(dets, dtype=np.float32).reshape(-1, 5) for dets in per_class])
    return results


def to_coco_dicts(dataset, results: list) -> list:
    return [dict(image_id=img_id, category_id=dataset.cat_ids[label], score=float(det[4]),
                 bbox=[float(det[0]), float(det[1]), float(det[2] - det[0]), float(det[3] - det[1])])
            for img_id, per_class in zip(dataset.img_ids, results)
            for label, dets in enumerate(per_class) for det in dets]


def to_coco_array(dataset, results: list) -> np.ndarray:
    """pycocotools' own array input: rows of [image_id, x, y, w, h, score, category_id]."""
    rows = [np.column_stack([np.full(len(dets), img_id), dets[:, :2], dets[:, 2:4] - dets[:, :2], dets[:, 4],
                             np.full(len(dets), dataset.cat_ids[label])])
            for img_id, per_class in zip(dataset.img_ids, results) for label, dets in enumerate(per_class)]
    return np.concatenate(rows).astype(np.float64)


def direct_seconds(dataset, results: list) -> tuple[float, float]:
    """What a user calling pycocotools directly on the detector's arrays does."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = COCOeval(dataset.coco, dataset.coco.loadRes(to_coco_array(dataset, results)), 'bbox')
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return time.perf_counter() - start, float(evaluator.stats[0])


def mmlite_seconds(dataset, results: list) -> tuple[float, float]:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        metrics = dataset.evaluate(results, metric='bbox', logger='silent')
    return time.perf_counter() - start, metrics['bbox_mAP']


def measure(num_images: int, per_image: int, rounds: int, root: str) -> dict:
    make_toy_coco(root, num_train=1, num_val=num_images)
    dataset = build_dataset(dict(type='CocoDataset', ann_file=osp.join(root, 'annotations', 'instances_val.json'),
                                 img_prefix=osp.join(root, 'val'), pipeline=[], test_mode=True,
                                 classes=('rectangle', 'ellipse', 'triangle')))
    results = make_results(dataset, per_image)
    dicts = to_coco_dicts(dataset, results)
    direct_seconds(dataset, results)  # warm-up: first-call imports and caches are not evaluation
    mmlite_seconds(dataset, results)
    maps, times = {}, {direct_seconds: [], mmlite_seconds: []}
    for i in range(rounds):  # interleaved, alternating who goes first
        for fn in (direct_seconds, mmlite_seconds)[::1 if i % 2 == 0 else -1]:
            seconds, maps[fn] = fn(dataset, results)
            times[fn].append(seconds)
    direct, ours = times[direct_seconds], times[mmlite_seconds]
    # the median of the per-round ratios: a slow spell of the machine hits both sides of a round
    ratio = statistics.median(o / d for o, d in zip(ours, direct))
    return dict(detections=len(dicts), images=len(dataset), direct_s=round(statistics.median(direct), 3),
                mmlite_s=round(statistics.median(ours), 3), ratio=round(ratio, 3), target=TARGET_RATIO,
                met=ratio <= TARGET_RATIO, same_map=abs(round(maps[direct_seconds], 3) - maps[mmlite_seconds]) < 1e-9)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, default=100)
    parser.add_argument('--per-image', type=int, default=30)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        row = measure(args.images, args.per_image, args.rounds, osp.join(tmp, 'toy'))
    print(json.dumps(row), flush=True)
    return row


if __name__ == '__main__':
    main()
