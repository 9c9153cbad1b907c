"""Write the embedded toy COCO data set (shapes with boxes and masks) to a folder.

    python tools/misc/make_toy_coco.py [data/toy_coco] [--num-train 400] [--num-val 100] [--seed 0]
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.datasets import make_toy_coco  # noqa: E402


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description='Generate the toy COCO data set')
    parser.add_argument('root', nargs='?', default='data/toy_coco', help='output folder')
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    root = make_toy_coco(args.root, num_train=args.num_train, num_val=args.num_val, seed=args.seed)
    print(f'toy COCO data set in {root}')
    return root


if __name__ == '__main__':
    main()
