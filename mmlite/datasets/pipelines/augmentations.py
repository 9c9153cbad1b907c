"""SSD-style augmentations with mmdet 2.x names: PhotoMetricDistortion, Expand,
MinIoURandomCrop and RandomCrop."""
from __future__ import annotations

import numpy as np
from numpy import random

from ...core.evaluation.bbox_overlaps import bbox_overlaps
from ...image import bgr2hsv, hsv2bgr
from ..registry import PIPELINES

BBOX2LABEL = {'gt_bboxes': 'gt_labels', 'gt_bboxes_ignore': 'gt_labels_ignore'}
BBOX2MASK = {'gt_bboxes': 'gt_masks', 'gt_bboxes_ignore': 'gt_masks_ignore'}


def _single_image(results: dict, step: str) -> np.ndarray:
    if results.get('img_fields', ['img']) != ['img']:
        raise ValueError(f'{step} supports a single image field, got {results["img_fields"]}')
    return results['img']


@PIPELINES.register_module()
class PhotoMetricDistortion:
    """Random brightness, contrast (before or after), saturation, hue and channel swap, each
    applied with probability 0.5 to a float32 BGR image."""

    def __init__(self, brightness_delta: int = 32, contrast_range=(0.5, 1.5),
                 saturation_range=(0.5, 1.5), hue_delta: int = 18):
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    def _contrast(self, img: np.ndarray) -> np.ndarray:
        if random.randint(2):
            img *= random.uniform(self.contrast_lower, self.contrast_upper)
        return img

    def __call__(self, results: dict) -> dict:
        # any dtype becomes float32, as mmdet >= 2.25 (mmdet's SSD300 and YOLACT configs load uint8 images)
        img = _single_image(results, 'PhotoMetricDistortion').astype(np.float32)
        if random.randint(2):
            img += random.uniform(-self.brightness_delta, self.brightness_delta)
        contrast_last = random.randint(2) == 0
        if not contrast_last:
            img = self._contrast(img)
        img = bgr2hsv(img)
        if random.randint(2):
            img[..., 1] *= random.uniform(self.saturation_lower, self.saturation_upper)
        if random.randint(2):
            img[..., 0] += random.uniform(-self.hue_delta, self.hue_delta)
            img[..., 0] = np.mod(img[..., 0], 360)
        img = hsv2bgr(img)
        if contrast_last:
            img = self._contrast(img)
        if random.randint(2):
            img = img[..., random.permutation(3)]
        results['img'] = np.ascontiguousarray(img)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(brightness_delta={self.brightness_delta}, hue_delta={self.hue_delta})'


@PIPELINES.register_module()
class Expand:
    """Place the image at a random spot of a ``ratio`` times larger canvas filled with ``mean``."""

    def __init__(self, mean=(0, 0, 0), to_rgb: bool = True, ratio_range=(1, 4), seg_ignore_label=None,
                 prob: float = 0.5):
        self.mean = tuple(mean)[::-1] if to_rgb else tuple(mean)
        self.min_ratio, self.max_ratio = ratio_range
        self.seg_ignore_label, self.prob = seg_ignore_label, prob

    def __call__(self, results: dict) -> dict:
        if random.uniform(0, 1) > self.prob:
            return results
        img = _single_image(results, 'Expand')
        h, w, c = img.shape
        ratio = random.uniform(self.min_ratio, self.max_ratio)
        new_h, new_w = int(h * ratio), int(w * ratio)
        canvas = np.empty((new_h, new_w, c), img.dtype)
        canvas[...] = np.asarray(self.mean, dtype=img.dtype)
        left, top = int(random.uniform(0, w * ratio - w)), int(random.uniform(0, h * ratio - h))
        canvas[top:top + h, left:left + w] = img
        results['img'] = canvas
        results['img_shape'] = canvas.shape
        for key in results.get('bbox_fields', []):
            results[key] = results[key] + np.tile((left, top), 2).astype(results[key].dtype)
        for key in results.get('mask_fields', []):
            results[key] = results[key].expand(new_h, new_w, top, left)
        for key in results.get('seg_fields', []):
            seg = np.full((new_h, new_w), self.seg_ignore_label, dtype=results[key].dtype)
            seg[top:top + h, left:left + w] = results[key]
            results[key] = seg
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(mean={self.mean}, ratio_range=({self.min_ratio}, {self.max_ratio}))'


def _centers_inside(boxes: np.ndarray, patch: np.ndarray) -> np.ndarray:
    center = (boxes[:, :2] + boxes[:, 2:]) / 2
    return ((center[:, 0] > patch[0]) & (center[:, 1] > patch[1]) & (center[:, 0] < patch[2])
            & (center[:, 1] < patch[3]))


@PIPELINES.register_module()
class MinIoURandomCrop:
    """Crop a patch whose IoU with every box reaches a randomly chosen minimum (SSD)."""

    def __init__(self, min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size: float = 0.3,
                 bbox_clip_border: bool = True):
        self.min_ious, self.min_crop_size = min_ious, min_crop_size
        self.sample_mode = (1, *min_ious, 0)
        self.bbox_clip_border = bbox_clip_border

    def _sample_patch(self, h: int, w: int) -> np.ndarray | None:
        new_w = random.uniform(self.min_crop_size * w, w)
        new_h = random.uniform(self.min_crop_size * h, h)
        if new_h / new_w < 0.5 or new_h / new_w > 2:
            return None
        left, top = random.uniform(0, w - new_w), random.uniform(0, h - new_h)
        patch = np.array((int(left), int(top), int(left + new_w), int(top + new_h)))
        return None if patch[2] == patch[0] or patch[3] == patch[1] else patch

    def _apply(self, results: dict, patch: np.ndarray, has_boxes: bool) -> dict:
        for key in (results.get('bbox_fields', []) if has_boxes else []):
            boxes = results[key].copy()
            keep = _centers_inside(boxes, patch)
            boxes = boxes[keep]
            if self.bbox_clip_border:
                boxes[:, 2:] = boxes[:, 2:].clip(max=patch[2:])
                boxes[:, :2] = boxes[:, :2].clip(min=patch[:2])
            boxes -= np.tile(patch[:2], 2).astype(boxes.dtype)  # (in place: float32 boxes stay float32)
            results[key] = boxes
            if BBOX2LABEL.get(key) in results:
                results[BBOX2LABEL[key]] = results[BBOX2LABEL[key]][keep]
            if BBOX2MASK.get(key) in results:
                results[BBOX2MASK[key]] = results[BBOX2MASK[key]][keep.nonzero()[0]].crop(patch)
        img = results['img'][patch[1]:patch[3], patch[0]:patch[2]]
        results['img'], results['img_shape'] = img, img.shape
        for key in results.get('seg_fields', []):
            results[key] = results[key][patch[1]:patch[3], patch[0]:patch[2]]
        return results

    def __call__(self, results: dict) -> dict:
        img = _single_image(results, 'MinIoURandomCrop')
        boxes = np.concatenate([results[key] for key in results['bbox_fields']], 0)
        h, w = img.shape[:2]
        while True:
            mode = self.sample_mode[random.randint(len(self.sample_mode))]
            if mode == 1:
                return results
            for _ in range(50):
                patch = self._sample_patch(h, w)
                if patch is None:
                    continue
                overlaps = bbox_overlaps(patch.reshape(-1, 4), boxes.reshape(-1, 4)).reshape(-1)
                if len(overlaps) > 0 and (overlaps.min() < mode or not _centers_inside(boxes, patch).any()):
                    continue
                return self._apply(results, patch, len(overlaps) > 0)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(min_ious={self.min_ious}, min_crop_size={self.min_crop_size})'


@PIPELINES.register_module()
class RandomCrop:
    """Crop a random window of ``crop_size`` (``crop_type``: 'absolute', 'absolute_range',
    'relative', 'relative_range'); boxes are clipped and empty crops retried unless allowed."""

    def __init__(self, crop_size: tuple, crop_type: str = 'absolute', allow_negative_crop: bool = False,
                 recompute_bbox: bool = False, bbox_clip_border: bool = True):
        if crop_type not in ('relative_range', 'relative', 'absolute', 'absolute_range'):
            raise ValueError(f'Invalid crop_type {crop_type}.')
        if crop_type in ('absolute', 'absolute_range'):
            if not (crop_size[0] > 0 and crop_size[1] > 0 and isinstance(crop_size[0], int)):
                raise ValueError(f'absolute crop_size must be positive ints, got {crop_size}')
        elif not (0 < crop_size[0] <= 1 and 0 < crop_size[1] <= 1):
            raise ValueError(f'relative crop_size must be in (0, 1], got {crop_size}')
        self.crop_size, self.crop_type = crop_size, crop_type
        self.allow_negative_crop, self.recompute_bbox = allow_negative_crop, recompute_bbox
        self.bbox_clip_border = bbox_clip_border

    def _get_crop_size(self, image_size: tuple) -> tuple[int, int]:
        h, w = image_size
        if self.crop_type == 'absolute':
            return min(self.crop_size[0], h), min(self.crop_size[1], w)
        if self.crop_type == 'absolute_range':
            lo, hi = self.crop_size
            return (random.randint(min(h, lo), min(h, hi) + 1), random.randint(min(w, lo), min(w, hi) + 1))
        size = np.asarray(self.crop_size, dtype=np.float32)
        crop_h, crop_w = size if self.crop_type == 'relative' else size + random.rand(2) * (1 - size)
        return int(h * crop_h + 0.5), int(w * crop_w + 0.5)

    def _crop_boxes(self, results: dict, key: str, offset: np.ndarray, img_shape: tuple,
                    window: np.ndarray) -> bool:
        bboxes = results[key] - offset
        if self.bbox_clip_border:
            bboxes[:, 0::2] = np.clip(bboxes[:, 0::2], 0, img_shape[1])
            bboxes[:, 1::2] = np.clip(bboxes[:, 1::2], 0, img_shape[0])
        valid = (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1])
        if key == 'gt_bboxes' and not valid.any() and not self.allow_negative_crop:
            return False
        results[key] = bboxes[valid, :]
        if BBOX2LABEL.get(key) in results:
            results[BBOX2LABEL[key]] = results[BBOX2LABEL[key]][valid]
        if BBOX2MASK.get(key) in results:
            results[BBOX2MASK[key]] = results[BBOX2MASK[key]][valid.nonzero()[0]].crop(window)
            if self.recompute_bbox:
                results[key] = results[BBOX2MASK[key]].get_bboxes()
        return True

    def __call__(self, results: dict) -> dict | None:
        crop_h, crop_w = self._get_crop_size(results['img'].shape[:2])
        img = results['img']
        off_h = random.randint(0, max(img.shape[0] - crop_h, 0) + 1)
        off_w = random.randint(0, max(img.shape[1] - crop_w, 0) + 1)
        for key in results.get('img_fields', ['img']):
            results[key] = results[key][off_h:off_h + crop_h, off_w:off_w + crop_w, ...]
        img_shape = results['img'].shape
        results['img_shape'] = img_shape
        offset = np.array([off_w, off_h, off_w, off_h], dtype=np.float32)
        window = np.asarray([off_w, off_h, off_w + crop_w, off_h + crop_h])
        for key in results.get('bbox_fields', []):
            if not self._crop_boxes(results, key, offset, img_shape, window):
                return None
        for key in results.get('seg_fields', []):
            results[key] = results[key][off_h:off_h + crop_h, off_w:off_w + crop_w]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(crop_size={self.crop_size}, crop_type={self.crop_type})'
