"""Newer mmdet 2.x training transforms: ``FilterAnnotations``, ``CutOut`` and ``RandomShift``.

The random ones draw from NumPy's global generator in mmdet's order, so a seeded sample gets the same
augmentation as in mmdet.
"""
from __future__ import annotations

import numpy as np
from numpy import random

from ..registry import PIPELINES

_BOX_TO_LABEL = {'gt_bboxes': 'gt_labels', 'gt_bboxes_ignore': 'gt_labels_ignore'}


@PIPELINES.register_module()
class FilterAnnotations:
    """Drop instances whose box is not wider/taller than ``min_gt_bbox_wh`` (``by_box``) or whose mask
    covers fewer than ``min_gt_mask_area`` pixels (``by_mask``).

    With ``keep_empty=True`` (default) an image left without instances returns None, so the dataset
    samples another image; with False it is kept, empty.
    """

    def __init__(self, min_gt_bbox_wh: tuple = (1., 1.), min_gt_mask_area: int = 1, by_box: bool = True,
                 by_mask: bool = False, keep_empty: bool = True):
        if not (by_box or by_mask):
            raise ValueError('FilterAnnotations needs by_box or by_mask')
        self.min_gt_bbox_wh, self.min_gt_mask_area = min_gt_bbox_wh, min_gt_mask_area
        self.by_box, self.by_mask, self.keep_empty = by_box, by_mask, keep_empty

    def _keep(self, results: dict) -> np.ndarray | None:
        tests = []
        if self.by_box:
            boxes = results['gt_bboxes']
            tests.append((boxes[:, 2] - boxes[:, 0] > self.min_gt_bbox_wh[0])
                         & (boxes[:, 3] - boxes[:, 1] > self.min_gt_bbox_wh[1]))
        if self.by_mask:
            tests.append(results['gt_masks'].areas >= self.min_gt_mask_area)
        if not len(tests[0]):
            return None
        return np.logical_and.reduce(tests)

    def __call__(self, results: dict) -> dict | None:
        for key, needed in (('gt_bboxes', self.by_box), ('gt_masks', self.by_mask)):
            if needed and key not in results:
                raise KeyError(f'FilterAnnotations(by_{key[3:-1]}=True) needs results["{key}"]: put it after '
                               f'LoadAnnotations(with_{"bbox" if key == "gt_bboxes" else "mask"}=True)')
        keep = self._keep(results)
        if keep is None:  # no instances to filter
            return results
        for key in ('gt_bboxes', 'gt_labels', 'gt_masks'):
            if key in results:
                results[key] = results[key][keep.nonzero()[0]] if key == 'gt_masks' else results[key][keep]
        if not keep.any() and self.keep_empty:
            return None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_gt_bbox_wh={self.min_gt_bbox_wh}, min_gt_mask_area='
                f'{self.min_gt_mask_area}, by_box={self.by_box}, by_mask={self.by_mask}, '
                f'keep_empty={self.keep_empty})')


@PIPELINES.register_module()
class CutOut:
    """Fill ``n_holes`` (a number or an inclusive ``(min, max)`` range) random rectangles with ``fill_in``.

    Each hole's size is one of ``cutout_shape`` (``(w, h)`` pixels) or ``cutout_ratio`` (``(w, h)``
    fractions of the image); give exactly one of the two.
    """

    def __init__(self, n_holes, cutout_shape=None, cutout_ratio=None, fill_in: tuple = (0, 0, 0)):
        if (cutout_shape is None) == (cutout_ratio is None):
            raise ValueError('CutOut needs exactly one of cutout_shape and cutout_ratio')
        candidates = cutout_ratio if cutout_shape is None else cutout_shape
        if not isinstance(candidates, (list, tuple)):
            raise TypeError(f'CutOut: cutout_shape/cutout_ratio must be a (w, h) tuple or a list of them, '
                            f'got {candidates!r}')
        if isinstance(n_holes, tuple):
            if not (len(n_holes) == 2 and 0 <= n_holes[0] < n_holes[1]):
                raise ValueError(f'CutOut: n_holes range must be (min, max) with 0 <= min < max, got {n_holes}')
        else:
            n_holes = (n_holes, n_holes)
        self.n_holes, self.fill_in = n_holes, fill_in
        self.with_ratio = cutout_ratio is not None
        self.candidates = candidates if isinstance(candidates, list) else [candidates]

    def __call__(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        for _ in range(random.randint(self.n_holes[0], self.n_holes[1] + 1)):
            x1, y1 = random.randint(0, w), random.randint(0, h)
            size = self.candidates[random.randint(0, len(self.candidates))]
            cut_w, cut_h = (int(size[0] * w), int(size[1] * h)) if self.with_ratio else size
            img[y1:int(np.clip(y1 + cut_h, 0, h)), x1:int(np.clip(x1 + cut_w, 0, w)), :] = self.fill_in
        return results

    def __repr__(self) -> str:
        kind = 'cutout_ratio' if self.with_ratio else 'cutout_shape'
        return f'{self.__class__.__name__}(n_holes={self.n_holes}, {kind}={self.candidates}, fill_in={self.fill_in})'


@PIPELINES.register_module()
class RandomShift:
    """With probability ``shift_ratio``, translate the image and its boxes by up to ``max_shift_px`` pixels
    (exclusive) each way, dropping boxes no wider/taller than ``filter_thr_px``; a shift that would drop every
    ``gt_bboxes`` box is not applied."""

    def __init__(self, shift_ratio: float = 0.5, max_shift_px: int = 32, filter_thr_px: int = 1):
        if not 0 <= shift_ratio <= 1:
            raise ValueError(f'RandomShift: shift_ratio must be in [0, 1], got {shift_ratio}')
        if max_shift_px < 0:
            raise ValueError(f'RandomShift: max_shift_px must be >= 0, got {max_shift_px}')
        self.shift_ratio, self.max_shift_px, self.filter_thr_px = shift_ratio, int(max_shift_px), filter_thr_px

    def _shifted_boxes(self, results: dict, dx: int, dy: int) -> dict | None:
        """Each bbox field's kept boxes and their index, or None when no ``gt_bboxes`` box survives."""
        height, width = results['img'].shape[:2]
        shifted = {}
        for key in results.get('bbox_fields', []):
            boxes = results[key].copy()
            boxes[..., 0::2] = np.clip(boxes[..., 0::2] + dx, 0, width)
            boxes[..., 1::2] = np.clip(boxes[..., 1::2] + dy, 0, height)
            valid = ((boxes[..., 2] - boxes[..., 0] > self.filter_thr_px)
                     & (boxes[..., 3] - boxes[..., 1] > self.filter_thr_px))
            if key == 'gt_bboxes' and not valid.any():
                return None
            shifted[key] = (boxes[valid], valid)
        return shifted

    def __call__(self, results: dict) -> dict:
        if random.random() >= self.shift_ratio:
            return results
        if results.get('mask_fields') or results.get('seg_fields'):
            raise ValueError('RandomShift moves images and boxes only (as mmdet 2.x); masks or segmentation maps '
                             'would no longer match: remove RandomShift or with_mask/with_seg')
        dx = random.randint(-self.max_shift_px, self.max_shift_px)
        dy = random.randint(-self.max_shift_px, self.max_shift_px)
        shifted = self._shifted_boxes(results, dx, dy)
        if shifted is None:
            return results
        for key, (boxes, valid) in shifted.items():
            results[key] = boxes
            if _BOX_TO_LABEL.get(key) in results:
                results[_BOX_TO_LABEL[key]] = results[_BOX_TO_LABEL[key]][valid]
        for key in results.get('img_fields', ['img']):
            img = results[key]
            out = np.zeros_like(img)
            h, w = img.shape[0] - abs(dy), img.shape[1] - abs(dx)
            out[max(dy, 0):max(dy, 0) + h, max(dx, 0):max(dx, 0) + w] = \
                img[max(-dy, 0):max(-dy, 0) + h, max(-dx, 0):max(-dx, 0) + w]
            results[key] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(shift_ratio={self.shift_ratio}, max_shift_px={self.max_shift_px}, '
                f'filter_thr_px={self.filter_thr_px})')
