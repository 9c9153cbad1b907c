"""Convert Cityscapes' fine instance annotations to COCO json files for CityscapesDataset.

    python tools/dataset_converters/cityscapes.py data/cityscapes [--img-dir leftImg8bit] [--gt-dir gtFine]
        [-o OUT_DIR] [--nproc 4]

Writes ``instancesonly_filtered_gtFine_{train,val,test}.json`` (mmdet's names, read by its cityscapes
configs): per image ``file_name`` (``city/<name>_leftImg8bit.png``), size and ``segm_file`` (the labelIds
PNG); per instance of the eight evaluated classes (caravan and trailer are not) an RLE mask, its box and
area, ``iscrowd`` for Cityscapes' group regions (ids below 1000), and ``category_id`` = Cityscapes' label id.
A split without instances (test) gets no ``annotations`` key, as in mmdet. Needs no cityscapesscripts.
Unlike mmdet's tool, images are numbered in sorted file order (mmdet used the file system's order).
"""
from __future__ import annotations

import argparse
import glob
import os.path as osp
import sys
from multiprocessing import Pool

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
import pycocotools.mask as mask_utils  # noqa: E402
from PIL import Image  # noqa: E402

from mmlite.datasets.cityscapes import CITYSCAPES_LABEL_IDS  # noqa: E402
from mmlite.utils import dump, mkdir_or_exist  # noqa: E402

IMAGE_SUFFIX = 'leftImg8bit.png'
SPLIT_FILES = dict(train='instancesonly_filtered_gtFine_train.json', val='instancesonly_filtered_gtFine_val.json',
                   test='instancesonly_filtered_gtFine_test.json')
LABEL_NAMES = {label_id: name for name, label_id in CITYSCAPES_LABEL_IDS.items()}


def collect_files(img_dir: str, gt_dir: str) -> list:
    """``(image, instanceIds, labelIds)`` paths of every ``city/*_leftImg8bit.png`` under ``img_dir``."""
    files = []
    for img_file in sorted(glob.glob(osp.join(img_dir, '*', '*.png'))):
        if not img_file.endswith(IMAGE_SUFFIX):
            raise ValueError(f'{img_file}: expected Cityscapes images named *_{IMAGE_SUFFIX}')
        stem = gt_dir + img_file[len(img_dir):-len(IMAGE_SUFFIX)]
        files.append((img_file, f'{stem}gtFine_instanceIds.png', f'{stem}gtFine_labelIds.png'))
    if not files:
        raise FileNotFoundError(f'no city/*_{IMAGE_SUFFIX} images in {img_dir}')
    return files


def load_img_info(files: tuple) -> dict:
    """One image's record with its instances (``anno_info``) read from the instanceIds PNG."""
    img_file, inst_file, segm_file = files
    if not osp.isfile(inst_file):
        raise FileNotFoundError(f'{inst_file} (the instances of {img_file}) does not exist')
    instance_ids = np.asarray(Image.open(inst_file)).astype(np.int64)
    annotations = []
    for value in np.unique(instance_ids[instance_ids >= 24]):  # smaller ids are stuff classes
        label_id = int(value // 1000 if value >= 1000 else value)
        if label_id not in LABEL_NAMES:
            continue
        rle = mask_utils.encode(np.asfortranarray((instance_ids == value).astype(np.uint8)))
        annotations.append(dict(iscrowd=int(value < 1000), category_id=label_id,
                                bbox=mask_utils.toBbox(rle).tolist(), area=int(mask_utils.area(rle)),
                                segmentation=dict(size=rle['size'], counts=rle['counts'].decode())))
    city = osp.basename(osp.dirname(img_file))
    return dict(file_name=osp.join(city, osp.basename(img_file)), height=int(instance_ids.shape[0]),
                width=int(instance_ids.shape[1]), anno_info=annotations,
                segm_file=osp.join(city, osp.basename(segm_file)))


def to_coco(image_infos: list) -> dict:
    """The COCO json of the images' records (ids from 0, as mmdet's)."""
    images, annotations = [], []
    for image_id, info in enumerate(image_infos):
        instances = info.pop('anno_info')
        images.append(dict(info, id=image_id))
        for instance in instances:
            annotations.append(dict(instance, image_id=image_id, id=len(annotations)))
    coco = dict(images=images, categories=[dict(id=i, name=LABEL_NAMES[i]) for i in sorted(LABEL_NAMES)])
    if annotations:
        coco['annotations'] = annotations
    return coco


def convert_split(img_dir: str, gt_dir: str, out_file: str, nproc: int = 1) -> dict:
    files = collect_files(img_dir, gt_dir)
    if nproc > 1:
        with Pool(nproc) as pool:
            infos = pool.map(load_img_info, files)
    else:
        infos = [load_img_info(f) for f in files]
    coco = to_coco(infos)
    dump(coco, out_file)
    print(f'{out_file}: {len(coco["images"])} images, {len(coco.get("annotations", []))} instances')
    return coco


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='Convert Cityscapes fine instance annotations to COCO json')
    parser.add_argument('cityscapes_path', help='the Cityscapes folder')
    parser.add_argument('--img-dir', default='leftImg8bit', type=str, help='image folder inside it')
    parser.add_argument('--gt-dir', default='gtFine', type=str, help='annotation folder inside it')
    parser.add_argument('-o', '--out-dir', help='where to write the json files (default: cityscapes_path)')
    parser.add_argument('--nproc', default=1, type=int, help='processes reading annotation images')
    args = parser.parse_args(argv)
    out_dir = args.out_dir or args.cityscapes_path
    mkdir_or_exist(out_dir)
    return {split: convert_split(osp.join(args.cityscapes_path, args.img_dir, split),
                                 osp.join(args.cityscapes_path, args.gt_dir, split), osp.join(out_dir, json_name),
                                 args.nproc)
            for split, json_name in SPLIT_FILES.items()}


if __name__ == '__main__':
    main()
