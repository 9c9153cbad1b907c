"""Write a COCO json of a folder of images without annotations (for inference with tools/test.py).

    python tools/dataset_converters/images2coco.py IMG_PATH CLASSES_TXT OUT.json [-e png bmp]

As mmdet: images anywhere below IMG_PATH (``file_name`` is IMG_PATH joined with the relative path, so use
``img_prefix=''``), categories numbered from 0 in the order of the class file, and the file written to
``IMG_PATH/../annotations/OUT.json``. Files that are not images (by extension) are skipped.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlite.utils import dump, list_from_file  # noqa: E402

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write a COCO file listing a folder\'s images, without '
                                     'annotations (for testing)')
    parser.add_argument('img_path', help='folder searched recursively for images')
    parser.add_argument('classes', type=str, help='text file with one class name per line')
    parser.add_argument('out', type=str, help='The output annotation json file name, saved in the annotations '
                        'folder beside img_path')
    parser.add_argument('-e', '--exclude-extensions', type=str, nargs='+',
                        help='file extensions to skip, e.g. png bmp')
    return parser.parse_args(argv)


def collect_image_infos(path: str, exclude_extensions=None) -> list[dict]:
    """``dict(filename, width, height)`` of every image below ``path`` (sorted by path), from the headers."""
    from PIL import Image
    excluded = tuple(e.lower() for e in exclude_extensions or ())
    infos = []
    for root, _, files in sorted(os.walk(path)):
        for name in sorted(files):
            lower = name.lower()
            if not lower.endswith(IMAGE_EXTENSIONS) or (excluded and lower.endswith(excluded)):
                continue
            file_path = osp.join(path, osp.relpath(osp.join(root, name), path))
            with Image.open(file_path) as img:
                infos.append(dict(filename=file_path, width=img.width, height=img.height))
    return infos


def cvt_to_coco_json(img_infos: list, classes: list) -> dict:
    """A COCO dict with the images (ids from 0), the classes as categories (ids from 0) and no annotations."""
    names = [info['filename'] for info in img_infos]
    if len(set(names)) != len(names):
        raise ValueError('two images have the same file name')
    return dict(type='instance', annotations=[],
                categories=[dict(supercategory='none', id=i, name=str(name)) for i, name in enumerate(classes)],
                images=[dict(id=i, file_name=info['filename'], height=int(info['height']), width=int(info['width']))
                        for i, info in enumerate(img_infos)])


def main(argv=None) -> str:
    args = parse_args(argv)
    if not args.out.endswith('json'):
        raise SystemExit(f'the output file name must end with json, got {args.out}')
    coco = cvt_to_coco_json(collect_image_infos(args.img_path, args.exclude_extensions), list_from_file(args.classes))
    save_path = osp.join(args.img_path, '..', 'annotations', args.out)
    os.makedirs(osp.dirname(save_path), exist_ok=True)
    dump(coco, save_path)
    print(f'save json file: {save_path} ({len(coco["images"])} images)')
    return save_path


if __name__ == '__main__':
    main()
