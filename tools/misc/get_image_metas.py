"""Write the image-size file an Open Images test set evaluates with (its ``meta_file``).

    python tools/misc/get_image_metas.py CONFIG [--out validation-image-metas.pkl] [--cfg-options k=v ...]

The test images of ``data.test`` (in the data set's order) are measured from their file headers (no decoding);
the pickle, a list of ``dict(filename, ori_shape=(h, w, 3))``, is written next to ``data.test.ann_file``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.datasets import build_dataset  # noqa: E402
from mmlite.utils import Config, DictAction, dump  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Record the sizes of the test images (for tests without reading them)')
    parser.add_argument('config', help='the config file')
    parser.add_argument('--out', default='validation-image-metas.pkl',
                        help='output file name (a .pkl), written in the folder of data.test.ann_file')
    parser.add_argument('--nproc', default=4, type=int, help='threads reading image headers')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    return parser.parse_args(argv)


def image_meta(path: str) -> dict:
    """``dict(filename, ori_shape)`` of one image, from its header."""
    from PIL import Image
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist; check data.test.img_prefix')
    with Image.open(path) as img:
        return dict(filename=path, ori_shape=(img.height, img.width, 3))


def main(argv=None) -> str:
    args = parse_args(argv)
    if not args.out.endswith('.pkl'):
        raise SystemExit(f'--out must name a .pkl file, got {args.out}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    test = dict(cfg.data.test, test_mode=True, pipeline=[])
    test.pop('meta_file', None)
    dataset = build_dataset(test)
    paths = [osp.join(dataset.img_prefix or '', info['filename']) for info in dataset.data_infos]
    print(f'Processing {len(paths)} images of {dataset.ann_file}...')
    with ThreadPoolExecutor(max(1, args.nproc)) as pool:
        metas = list(pool.map(image_meta, paths))
    save_path = osp.join(osp.dirname(dataset.ann_file), args.out)
    dump(metas, save_path)
    print(f'Image meta file saved to: {save_path}')
    return save_path


if __name__ == '__main__':
    main()
