"""Multi-image training transforms of YOLOX: ``Mosaic`` (four images on a 2x canvas) and ``MixUp`` (a second
image blended in). They read the extra images from ``results['mix_results']``, which
``MultiImageMixDataset`` fills through their ``get_indexes``. Random draws use NumPy's global generator, as mmdet,
so a seeded run draws the same layouts."""
from __future__ import annotations

import numpy as np

from ...image import imresize
from ..registry import PIPELINES


def find_inside_bboxes(bboxes: np.ndarray, img_h: float, img_w: float) -> np.ndarray:
    """Whether each box overlaps the ``img_h`` x ``img_w`` image at all."""
    return (bboxes[:, 0] < img_w) & (bboxes[:, 2] > 0) & (bboxes[:, 1] < img_h) & (bboxes[:, 3] > 0)


def box_candidates(before: np.ndarray, after: np.ndarray, min_bbox_size: float, min_area_ratio: float,
                   max_aspect_ratio: float) -> np.ndarray:
    """Which transformed boxes ``after`` (``(n, 4)``) to keep: wider and taller than ``min_bbox_size``, keeping
    more than ``min_area_ratio`` of the area of ``before``, with aspect ratio below ``max_aspect_ratio``."""
    w1, h1 = before[:, 2] - before[:, 0], before[:, 3] - before[:, 1]
    w2, h2 = after[:, 2] - after[:, 0], after[:, 3] - after[:, 1]
    aspect = np.maximum(w2 / (h2 + 1e-16), h2 / (w2 + 1e-16))
    return ((w2 > min_bbox_size) & (h2 > min_bbox_size) & (w2 * h2 / (w1 * h1 + 1e-16) > min_area_ratio)
            & (aspect < max_aspect_ratio))


def _need_mix_results(results: dict, name: str, count: int) -> list:
    mix = results.get('mix_results')
    if mix is None or len(mix) != count:
        raise KeyError(f"{name} needs results['mix_results'] with {count} more image(s): wrap the dataset in "
                       "MultiImageMixDataset and put the transform in the wrapper's pipeline")
    return mix


def _check_scale(img_scale, name: str) -> None:
    if not (isinstance(img_scale, tuple) and len(img_scale) == 2):
        raise TypeError(f'{name} img_scale must be a tuple (h, w), got {img_scale!r}')


@PIPELINES.register_module()
class Mosaic:
    """Four images (this one top-left, three drawn at random), each rescaled to fit ``img_scale`` (h, w), around
    a random centre of a ``2 * img_scale`` canvas filled with ``pad_val``. Boxes are moved along (clipped to
    the canvas with ``bbox_clip_border``); boxes outside the canvas are dropped, and with ``skip_filter=False``
    those not wider and taller than ``min_bbox_size`` too. Applied with probability ``prob``."""

    def __init__(self, img_scale=(640, 640), center_ratio_range=(0.5, 1.5), min_bbox_size: float = 0,
                 bbox_clip_border: bool = True, skip_filter: bool = True, pad_val: float = 114, prob: float = 1.0):
        _check_scale(img_scale, 'Mosaic')
        if not 0 <= prob <= 1:
            raise ValueError(f'Mosaic prob must be in [0, 1], got {prob}')
        self.img_scale, self.center_ratio_range, self.min_bbox_size = img_scale, center_ratio_range, min_bbox_size
        self.bbox_clip_border, self.skip_filter, self.pad_val, self.prob = bbox_clip_border, skip_filter, pad_val, prob

    def get_indexes(self, dataset) -> list:
        """Three random indexes of ``dataset``."""
        return [np.random.randint(0, len(dataset)) for _ in range(3)]

    def __call__(self, results: dict) -> dict:
        if np.random.uniform(0, 1) > self.prob:
            return results
        mix = _need_mix_results(results, 'Mosaic', 3)
        h, w = self.img_scale
        img = results['img']
        canvas = np.full((int(h * 2), int(w * 2)) + img.shape[2:3], self.pad_val, dtype=img.dtype)
        center = (int(np.random.uniform(*self.center_ratio_range) * w),
                  int(np.random.uniform(*self.center_ratio_range) * h))
        all_boxes, all_labels = [], []
        for loc, patch in zip(('top_left', 'top_right', 'bottom_left', 'bottom_right'), [results] + list(mix)):
            patch_img = patch['img']
            ratio = min(h / patch_img.shape[0], w / patch_img.shape[1])
            patch_img = imresize(patch_img, (int(patch_img.shape[1] * ratio), int(patch_img.shape[0] * ratio)))
            (x1_p, y1_p, x2_p, y2_p), (x1_c, y1_c, x2_c, y2_c) = self._mosaic_combine(
                loc, center, patch_img.shape[:2][::-1])
            canvas[y1_p:y2_p, x1_p:x2_p] = patch_img[y1_c:y2_c, x1_c:x2_c]
            boxes = patch['gt_bboxes'].copy()
            if len(boxes):
                boxes[:, 0::2] = ratio * boxes[:, 0::2] + (x1_p - x1_c)
                boxes[:, 1::2] = ratio * boxes[:, 1::2] + (y1_p - y1_c)
            all_boxes.append(boxes)
            all_labels.append(patch['gt_labels'])
        boxes, labels = np.concatenate(all_boxes, 0), np.concatenate(all_labels, 0)
        if self.bbox_clip_border:
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, 2 * w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, 2 * h)
        if not self.skip_filter:
            keep = (boxes[:, 2] - boxes[:, 0] > self.min_bbox_size) & (boxes[:, 3] - boxes[:, 1] > self.min_bbox_size)
            boxes, labels = boxes[keep], labels[keep]
        inside = find_inside_bboxes(boxes, 2 * h, 2 * w)
        results.update(img=canvas, img_shape=canvas.shape, gt_bboxes=boxes[inside], gt_labels=labels[inside])
        return results

    def _mosaic_combine(self, loc: str, center: tuple, size_wh: tuple) -> tuple:
        """Where the patch of ``size_wh`` goes on the canvas and which part of it, for corner ``loc``."""
        (cx, cy), (pw, ph) = center, size_wh
        max_x, max_y = self.img_scale[1] * 2, self.img_scale[0] * 2
        left, top = loc in ('top_left', 'bottom_left'), loc in ('top_left', 'top_right')
        x1, x2 = (max(cx - pw, 0), cx) if left else (cx, min(cx + pw, max_x))
        y1, y2 = (max(cy - ph, 0), cy) if top else (cy, min(max_y, cy + ph))
        crop_x = (pw - (x2 - x1), pw) if left else (0, min(pw, x2 - x1))
        crop_y = (ph - (y2 - y1), ph) if top else (0, min(y2 - y1, ph))
        return (x1, y1, x2, y2), (crop_x[0], crop_y[0], crop_x[1], crop_y[1])

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(img_scale={self.img_scale}, center_ratio_range={self.center_ratio_range}, '
                f'pad_val={self.pad_val}, min_bbox_size={self.min_bbox_size}, skip_filter={self.skip_filter}, '
                f'prob={self.prob})')


@PIPELINES.register_module()
class MixUp:
    """Blend (half and half) this image with another one that has boxes: the other is fitted into ``img_scale``
    (h, w) on a ``pad_val`` canvas, scaled by a random factor of ``ratio_range``, flipped with ``flip_ratio``
    and randomly cropped to this image's size; the boxes of both are kept (with ``skip_filter=False`` the
    other's only if big enough, not too thin and not mostly cropped away)."""

    def __init__(self, img_scale=(640, 640), ratio_range=(0.5, 1.5), flip_ratio: float = 0.5, pad_val: float = 114,
                 max_iters: int = 15, min_bbox_size: float = 5, min_area_ratio: float = 0.2,
                 max_aspect_ratio: float = 20, bbox_clip_border: bool = True, skip_filter: bool = True):
        _check_scale(img_scale, 'MixUp')
        self.dynamic_scale, self.ratio_range = img_scale, ratio_range
        self.flip_ratio, self.pad_val = flip_ratio, pad_val
        self.max_iters, self.min_bbox_size, self.min_area_ratio = max_iters, min_bbox_size, min_area_ratio
        self.max_aspect_ratio, self.bbox_clip_border, self.skip_filter = max_aspect_ratio, bbox_clip_border, skip_filter

    def get_indexes(self, dataset) -> int:
        """A random index whose image has boxes (the last of ``max_iters`` draws otherwise)."""
        for _ in range(self.max_iters):
            index = np.random.randint(0, len(dataset))
            if len(dataset.get_ann_info(index)['bboxes']):
                break
        return index

    def __call__(self, results: dict) -> dict:
        other = _need_mix_results(results, 'MixUp', 1)[0]
        if other['gt_bboxes'].shape[0] == 0:
            return results
        jit_factor = np.random.uniform(*self.ratio_range)
        flip = np.random.uniform(0, 1) < self.flip_ratio
        other_img, target_h, target_w = other['img'], results['img'].shape[0], results['img'].shape[1]
        canvas = np.ones(self.dynamic_scale + other_img.shape[2:3], dtype=other_img.dtype) * self.pad_val
        ratio = min(self.dynamic_scale[0] / other_img.shape[0], self.dynamic_scale[1] / other_img.shape[1])
        fitted = imresize(other_img, (int(other_img.shape[1] * ratio), int(other_img.shape[0] * ratio)))
        canvas[:fitted.shape[0], :fitted.shape[1]] = fitted
        ratio *= jit_factor
        canvas = imresize(canvas, (int(canvas.shape[1] * jit_factor), int(canvas.shape[0] * jit_factor)))
        if flip:
            canvas = canvas[:, ::-1]
        origin_h, origin_w = canvas.shape[:2]
        padded = np.zeros((max(origin_h, target_h), max(origin_w, target_w)) + canvas.shape[2:3], dtype=np.uint8)
        padded[:origin_h, :origin_w] = canvas
        y_offset = np.random.randint(0, padded.shape[0] - target_h) if padded.shape[0] > target_h else 0
        x_offset = np.random.randint(0, padded.shape[1] - target_w) if padded.shape[1] > target_w else 0
        cropped = padded[y_offset:y_offset + target_h, x_offset:x_offset + target_w]
        boxes = self._moved_boxes(other['gt_bboxes'].copy(), ratio, flip, origin_w, origin_h)
        shifted = boxes - np.array([x_offset, y_offset, x_offset, y_offset], dtype=boxes.dtype)
        if self.bbox_clip_border:
            shifted[:, 0::2] = np.clip(shifted[:, 0::2], 0, target_w)
            shifted[:, 1::2] = np.clip(shifted[:, 1::2], 0, target_h)
        labels = other['gt_labels']
        if not self.skip_filter:
            keep = box_candidates(boxes, shifted, self.min_bbox_size, self.min_area_ratio, self.max_aspect_ratio)
            shifted, labels = shifted[keep], labels[keep]
        mixed = 0.5 * results['img'].astype(np.float32) + 0.5 * cropped.astype(np.float32)
        boxes = np.concatenate((results['gt_bboxes'], shifted), axis=0)
        labels = np.concatenate((results['gt_labels'], labels), axis=0)
        inside = find_inside_bboxes(boxes, target_h, target_w)
        results.update(img=mixed.astype(np.uint8), img_shape=mixed.shape, gt_bboxes=boxes[inside],
                       gt_labels=labels[inside])
        return results

    def _moved_boxes(self, boxes: np.ndarray, ratio: float, flip: bool, width: int, height: int) -> np.ndarray:
        boxes[:, 0::2] = boxes[:, 0::2] * ratio
        boxes[:, 1::2] = boxes[:, 1::2] * ratio
        if self.bbox_clip_border:
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, width)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, height)
        if flip:
            boxes[:, 0::2] = width - boxes[:, 0::2][:, ::-1]
        return boxes

    def _filter_box_candidates(self, bbox1: np.ndarray, bbox2: np.ndarray) -> np.ndarray:
        """:func:`box_candidates` of boxes given as columns (mmdet's layout)."""
        return box_candidates(bbox1.T, bbox2.T, self.min_bbox_size, self.min_area_ratio, self.max_aspect_ratio)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(dynamic_scale={self.dynamic_scale}, ratio_range={self.ratio_range}, '
                f'flip_ratio={self.flip_ratio}, pad_val={self.pad_val}, max_iters={self.max_iters}, '
                f'min_bbox_size={self.min_bbox_size}, min_area_ratio={self.min_area_ratio}, '
                f'max_aspect_ratio={self.max_aspect_ratio}, skip_filter={self.skip_filter})')
