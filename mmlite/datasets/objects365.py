"""Objects365 v1 and v2 (COCO-format annotation files, 365 classes)."""
from __future__ import annotations

import os.path as osp

from ..core.evaluation.class_names import objects365v1_classes, objects365v2_classes
from .coco import CocoDataset
from .registry import DATASETS

# listed in the v2 annotation files but missing from the released image folders
OBJECTS365_V2_MISSING_IMAGES = frozenset(
    osp.join(patch, name) for patch, name in (('patch16', 'objects365_v2_00908726.jpg'),
                                              ('patch6', 'objects365_v1_00320532.jpg'),
                                              ('patch6', 'objects365_v1_00320534.jpg')))


@DATASETS.register_module()
class Objects365V1Dataset(CocoDataset):
    """Objects365 v1. Its train and val files list the categories in different orders: labels follow
    ``CLASSES`` (as for every ``CocoDataset`` here) and the index's categories are sorted by id, as mmdet's."""

    CLASSES = tuple(objects365v1_classes())
    PALETTE = None

    def load_annotations(self, ann_file: str) -> list:
        infos = super().load_annotations(ann_file)
        self.coco.dataset['categories'] = sorted(self.coco.dataset['categories'], key=lambda cat: cat['id'])
        self.coco.cats = {cat_id: self.coco.cats[cat_id] for cat_id in sorted(self.coco.cats)}
        return infos


@DATASETS.register_module()
class Objects365V2Dataset(CocoDataset):
    """Objects365 v2. Its files name images ``images/v2/patchN/<name>.jpg``; ``filename`` keeps
    ``patchN/<name>.jpg`` (relative to ``img_prefix``), and the three images the release lacks are skipped."""

    CLASSES = tuple(objects365v2_classes())
    PALETTE = None

    def load_annotations(self, ann_file: str) -> list:
        infos = []
        for info in super().load_annotations(ann_file):
            folder, name = osp.split(info['file_name'])
            info['file_name'] = info['filename'] = osp.join(osp.basename(folder), name)
            if info['file_name'] not in OBJECTS365_V2_MISSING_IMAGES:
                infos.append(info)
        if len(infos) < len(self.img_ids):
            kept = {info['id'] for info in infos}
            self.img_ids = [img_id for img_id in self.img_ids if img_id in kept]
        return infos
