"""Write ``panoptic_image_info_test-dev2017.json``: the COCO test-dev image list with the panoptic categories
(which carry ``isthing``), so CocoPanopticDataset can run inference on test-dev.

    python tools/misc/gen_coco_panoptic_test_info.py data/coco/annotations
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.utils import dump, load  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write the COCO panoptic test-dev info file (images and '
                                     'categories, no annotations)')
    parser.add_argument('data_root', help='the COCO annotations folder (with panoptic_val2017.json and '
                        'image_info_test-dev2017.json)')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    sources = [osp.join(args.data_root, name) for name in ('panoptic_val2017.json', 'image_info_test-dev2017.json')]
    for path in sources:
        if not osp.isfile(path):
            raise SystemExit(f'{path} does not exist; pass the folder holding panoptic_val2017.json and '
                             'image_info_test-dev2017.json')
    val_info, test_info = load(sources[0]), load(sources[1])
    test_info['categories'] = val_info['categories']
    out = osp.join(args.data_root, 'panoptic_image_info_test-dev2017.json')
    dump(test_info, out)
    print(f'wrote {out}')
    return out


if __name__ == '__main__':
    main()
