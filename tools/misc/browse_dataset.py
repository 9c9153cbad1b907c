"""Draw what the training pipeline produces (images after augmentation, with their boxes) to files.

    python tools/misc/browse_dataset.py CONFIG --output-dir DIR [--not-show] [--skip-type ...]
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402

from mmlite.datasets import build_dataset  # noqa: E402
from mmlite.image import imshow_det_bboxes  # noqa: E402
from mmlite.utils import Config, DictAction, ProgressBar, replace_cfg_vals, update_data_root  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Draw the training data as the pipeline delivers it')
    parser.add_argument('config', help='the config file')
    parser.add_argument('--skip-type', type=str, nargs='+', default=['DefaultFormatBundle', 'Normalize', 'Collect'],
                        help='pipeline steps to leave out (default: normalising and formatting)')
    parser.add_argument('--output-dir', default=None, type=str, help='folder for the drawn images')
    parser.add_argument('--not-show', default=False, action='store_true', help='(images are only written to files)')
    parser.add_argument('--show-interval', type=float, default=2, help='(accepted for compatibility)')
    parser.add_argument('--max-images', type=int, default=None, help='stop after this many images')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config entries to change, as key=value pairs '
                        '(dotted keys for nested entries), applied after the file is read')
    return parser.parse_args(argv)


def _strip(pipeline: list, skip: list) -> list:
    kept = []
    for step in pipeline:
        if step['type'] in skip:
            continue
        if step['type'] == 'MultiScaleFlipAug':
            step = dict(step, transforms=_strip(step['transforms'], skip))
        kept.append(step)
    return kept


def retrieve_data_cfg(config_path: str, skip_type: list, cfg_options=None):
    """The training set config with the pipeline steps in ``skip_type`` removed (a copy)."""
    cfg = replace_cfg_vals(Config.fromfile(config_path))
    update_data_root(cfg)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    train = cfg.data.train
    while 'dataset' in train and 'pipeline' not in train:  # wrappers (RepeatDataset...)
        train = train.dataset
    train.pipeline = _strip(train.pipeline, skip_type)
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.output_dir is None:
        raise SystemExit('--output-dir is required: mmlite writes the drawn images to files')
    cfg = retrieve_data_cfg(args.config, args.skip_type, args.cfg_options)
    dataset = build_dataset(cfg.data.train)
    count = len(dataset) if args.max_images is None else min(args.max_images, len(dataset))
    progress = ProgressBar(count)
    for i in range(count):
        item = dataset[i]
        labels = np.asarray(item['gt_labels'])
        masks = item.get('gt_masks')  # BitmapMasks/PolygonMasks when the pipeline loads masks
        if masks is not None:
            masks = masks.to_ndarray() if hasattr(masks, 'to_ndarray') else np.asarray(masks)
        palette = getattr(dataset, 'PALETTE', None)
        imshow_det_bboxes(item['img'], np.asarray(item['gt_bboxes']), labels, masks, class_names=dataset.CLASSES,
                          bbox_color=palette, text_color=(200, 200, 200), mask_color=palette,
                          out_file=osp.join(args.output_dir, osp.basename(item['filename'])))
        progress.update()
    return count


if __name__ == '__main__':
    main()
