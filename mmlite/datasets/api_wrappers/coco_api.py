"""pycocotools' ``COCO`` with the snake_case names mmdet 2.x datasets call (``self.coco.get_ann_ids`` ...)."""
from __future__ import annotations

from pycocotools.coco import COCO as _PyCOCO
from pycocotools.cocoeval import COCOeval

__all__ = ['COCO', 'COCOeval']


class COCO(_PyCOCO):
    """A pycocotools index that also answers to mmdet 2.x's method names, so user datasets written
    against ``mmdet.datasets.api_wrappers.COCO`` run unchanged."""

    @property
    def img_ann_map(self) -> dict:
        """Image id → its annotations (pycocotools' ``imgToAnns``)."""
        return self.imgToAnns

    @property
    def cat_img_map(self) -> dict:
        """Category id → ids of the images showing it (pycocotools' ``catToImgs``)."""
        return self.catToImgs

    def get_ann_ids(self, img_ids=(), cat_ids=(), area_rng=(), iscrowd=None) -> list:
        return self.getAnnIds(img_ids, cat_ids, area_rng, iscrowd)

    def get_cat_ids(self, cat_names=(), sup_names=(), cat_ids=()) -> list:
        return self.getCatIds(_names(cat_names), _names(sup_names), cat_ids)

    def get_img_ids(self, img_ids=(), cat_ids=()) -> list:
        return self.getImgIds(img_ids, cat_ids)

    def load_anns(self, ids) -> list:
        return self.loadAnns(ids)

    def load_cats(self, ids) -> list:
        return self.loadCats(ids)

    def load_imgs(self, ids) -> list:
        return self.loadImgs(ids)


def _names(value):
    """One name means that name (pycocotools would iterate over its characters)."""
    return [value] if isinstance(value, str) else value
