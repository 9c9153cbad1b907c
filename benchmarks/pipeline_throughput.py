"""Images/s of the mmdet-style training pipeline against the decode + resize floor.

The pipeline is mmdet 2.x's COCO train pipeline (load -> annotations -> resize 1333x800 keep-ratio
-> flip -> normalize -> pad 32 -> format -> collect) over the embedded toy images, through a
DataLoader with mmcv's collate, with 0 and 2 workers. The floor is the least any pipeline must do:
read the file, decode it, resize it to the same size; measured in the same run, one process.

    python benchmarks/pipeline_throughput.py [--images 200] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmlite.datasets import build_dataloader, build_dataset, make_toy_coco  # noqa: E402
from mmlite.image import imread, imrescale  # noqa: E402

TARGET_RATIO = 0.9
IMG_NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **IMG_NORM),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]


def floor_images_per_s(dataset, count: int) -> float:
    """Read + decode + keep-ratio resize to 1333x800, nothing else."""
    paths = [osp.join(dataset.img_prefix, dataset.data_infos[i]['filename']) for i in range(count)]
    start = time.perf_counter()
    for path in paths:
        imrescale(imread(path), (1333, 800))
    return count / (time.perf_counter() - start)


def pipeline_images_per_s(dataset, workers: int, count: int) -> float:
    loader = build_dataloader(dataset, samples_per_gpu=2, workers_per_gpu=workers, dist=False, shuffle=False,
                              seed=0, persistent_workers=False)
    seen = 0
    iterator = iter(loader)
    next(iterator)  # worker start-up is not throughput
    start = time.perf_counter()
    for batch in iterator:
        seen += len(batch['img_metas'].data[0])
        if seen >= count:
            break
    return seen / (time.perf_counter() - start)


def measure(num_images: int, rounds: int, root: str) -> list[dict]:
    make_toy_coco(root, num_train=num_images, num_val=1)
    dataset = build_dataset(dict(type='CocoDataset', ann_file=osp.join(root, 'annotations', 'instances_train.json'),
                                 img_prefix=osp.join(root, 'train'), pipeline=TRAIN_PIPELINE,
                                 classes=('rectangle', 'ellipse', 'triangle')))
    count = len(dataset) - 2
    floors, results = [], {0: [], 2: []}
    for _ in range(rounds):  # interleaved, so drift hits every contestant alike
        floors.append(floor_images_per_s(dataset, count))
        for workers in results:
            results[workers].append(pipeline_images_per_s(dataset, workers, count))
    floor = statistics.median(floors)
    rows = []
    for workers, values in results.items():
        per_worker = statistics.median(values) / max(workers, 1)
        ratio = per_worker / floor
        rows.append(dict(workers=workers, pipeline_img_s=round(statistics.median(values), 1),
                         floor_img_s=round(floor, 1), ratio_per_worker=round(ratio, 3), target=TARGET_RATIO,
                         met=ratio >= TARGET_RATIO))
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--data-root', default=None, help='toy data folder (default: a temporary one)')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args.images, args.rounds, args.data_root or osp.join(tmp, 'toy'))
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


if __name__ == '__main__':
    main()
