"""Recall of the Occluded COCO and Separated COCO objects (https://arxiv.org/abs/2210.10046) in test results.

    python tools/analysis_tools/coco_occluded_separated_recall.py RESULTS.pkl [--out metrics.json]
        [--score-thr 0.3] [--iou-thr 0.75] [--ann data/coco/annotations/instances_val2017.json]
        [--occluded-ann occluded_coco.pkl] [--separated-ann separated_coco.pkl]

RESULTS.pkl comes from ``tools/test.py CONFIG CHECKPOINT --out RESULTS.pkl`` with an instance segmentation model
on COCO val2017. The two annotation files are downloaded from the authors' site unless given (offline: download
them elsewhere and pass their paths). Unlike mmdet 2.x's tool, ``--score-thr`` and ``--iou-thr`` take effect.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.datasets.coco_occluded import (OCCLUDED_COCO_URL, SEPARATED_COCO_URL,  # noqa: E402
                                           OccludedSeparatedCocoDataset)
from mmlite.utils import dump, load, print_log  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Recall of occluded and of separated COCO objects in test results')
    parser.add_argument('result', help='results .pkl written by tools/test.py --out (boxes and masks)')
    parser.add_argument('--out', help='also write the recalls to this .json/.pkl file')
    parser.add_argument('--score-thr', type=float, default=0.3, help='only detections scoring at least this count')
    parser.add_argument('--iou-thr', type=float, default=0.75,
                        help='a detection recalls an object at this mask IoU or more')
    parser.add_argument('--ann', default='data/coco/annotations/instances_val2017.json',
                        help='the COCO annotation file the results were computed on')
    parser.add_argument('--occluded-ann', default=OCCLUDED_COCO_URL, help='occluded_coco.pkl (path or URL)')
    parser.add_argument('--separated-ann', default=SEPARATED_COCO_URL, help='separated_coco.pkl (path or URL)')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    results = load(args.result)
    if not results or not isinstance(results[0], tuple):
        raise SystemExit(f'{args.result}: expected (bbox_results, segm_results) per image, from an instance '
                         'segmentation model (tools/test.py --out with a mask model)')
    dataset = OccludedSeparatedCocoDataset(ann_file=args.ann, pipeline=[], test_mode=True,
                                           occluded_ann=args.occluded_ann, separated_ann=args.separated_ann)
    metrics = dataset.evaluate(results, score_thr=args.score_thr, iou_thr=args.iou_thr)
    if args.out is not None:
        dump(metrics, args.out)
        print_log(f'recalls written to {args.out}')
    return metrics


if __name__ == '__main__':
    main()
