"""Split COCO train2017 into labeled/unlabeled parts for semi-supervised detection (k folds x percentages).

    python tools/misc/split_coco.py [--data-root data/coco/] [--out-dir data/coco_semi_annos/]
        [--labeled-percent 1 2 5 10] [--fold 5]

Writes ``instances_train2017.{fold}@{percent}.json`` and ``...-unlabeled.json`` per fold and percentage, the same
files as mmdet 2.x's tool (fold f draws with NumPy seed f). As there, the labeled images are drawn with
replacement, so a split holds somewhat fewer than ``percent`` % of the images (kept: published splits are these).
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402

from mmlite.utils import dump, load  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Labeled/unlabeled splits of COCO train2017 for '
                                     'semi-supervised training')
    parser.add_argument('--data-root', type=str,
                        help='COCO folder holding annotations/instances_train2017.json', default='./data/coco/')
    parser.add_argument('--out-dir', type=str, help='folder for the split files',
                        default='./data/coco_semi_annos/')
    parser.add_argument('--labeled-percent', type=float, nargs='+',
                        help='labeled shares to draw, in percent of the images', default=[1, 2, 5, 10])
    parser.add_argument('--fold', type=int, help='number of folds (fold k draws with NumPy seed k)',
                        default=5)
    return parser.parse_args(argv)


def split_coco(data_root: str, out_dir: str, percent: float, fold: int) -> tuple[str, str]:
    """Write fold ``fold``'s split with ``percent`` % labeled images; returns the two files' paths."""
    ann_file = osp.join(data_root, 'annotations/instances_train2017.json')
    if not osp.isfile(ann_file):
        raise SystemExit(f'{ann_file} does not exist; pass the COCO root with --data-root')
    anns = load(ann_file)
    images = anns['images']
    rng = np.random.RandomState(fold)  # = np.random.seed(fold) in mmdet's tool, without touching the global state
    labeled_inds = set(rng.choice(range(len(images)), size=int(percent / 100. * len(images))).tolist())
    labeled = [img for i, img in enumerate(images) if i in labeled_inds]
    unlabeled = [img for i, img in enumerate(images) if i not in labeled_inds]
    labeled_ids = {img['id'] for img in labeled}
    extra = {k: anns[k] for k in ('licenses', 'categories', 'info') if k in anns}
    paths = []
    for name, part, keep in ((f'instances_train2017.{fold}@{percent}', labeled, True),
                             (f'instances_train2017.{fold}@{percent}-unlabeled', unlabeled, False)):
        part_anns = [ann for ann in anns['annotations'] if (ann['image_id'] in labeled_ids) == keep]
        paths.append(osp.join(out_dir, f'{name}.json'))
        dump(dict(images=part, annotations=part_anns, **extra), paths[-1])
    return paths[0], paths[1]


def main(argv=None) -> list:
    args = parse_args(argv)
    return [split_coco(args.data_root, args.out_dir, percent, fold)
            for fold in range(1, args.fold + 1) for percent in args.labeled_percent]


if __name__ == '__main__':
    main()
