"""``RandomCenterCropPad``: CornerNet / CenterNet's random crop around a random centre, padded with the mean
(training), and the padding of the whole image to a fixed size rule (testing)."""
from __future__ import annotations

import numpy as np
from numpy import random

from ..builder import PIPELINES

_MAX_SCALE_ROUNDS = 100  # each of 50 centre draws; mmdet retried forever


@PIPELINES.register_module()
class RandomCenterCropPad:
    """Training: draw a crop size (``crop_size`` times one of ``ratios``) and a centre at least a
    (power-of-two reduced) ``border`` inside the image until the crop keeps some box centre; paste the crop
    into a mean-filled canvas of the crop size, centred on the drawn centre, and keep the boxes whose centres
    fall inside (shifted, clipped with ``bbox_clip_border``). Testing (``test_mode``): pad the image around its
    centre to ``(size | n) + test_pad_add_pix`` (``('logical_or', n)``) or the next multiple of n
    (``('size_divisor', n)``), and record in ``results['border']`` where it lies (top, bottom, left, right).

    ``mean``/``std``/``to_rgb`` are the Normalize values (the canvas is filled with ``mean``, in the image's
    channel order). Images must be float32 (``LoadImageFromFile(to_float32=True)``); boxes only (no masks).
    """

    def __init__(self, crop_size=None, ratios=(0.9, 1.0, 1.1), border=128, mean=None, std=None, to_rgb=None,
                 test_mode: bool = False, test_pad_mode=('logical_or', 127), test_pad_add_pix: int = 0,
                 bbox_clip_border: bool = True):
        if test_mode:
            if crop_size is not None or ratios is not None or border is not None:
                raise ValueError('RandomCenterCropPad: crop_size, ratios and border must be None in test mode')
            if not isinstance(test_pad_mode, (list, tuple)) or test_pad_mode[0] not in ('logical_or', 'size_divisor'):
                raise ValueError("RandomCenterCropPad.test_pad_mode must be ('logical_or', n) or ('size_divisor', n), "
                                 f'got {test_pad_mode!r}')
        else:
            if not isinstance(crop_size, (list, tuple)) or not (crop_size[0] > 0 and crop_size[1] > 0):
                raise ValueError(f'RandomCenterCropPad.crop_size must be a positive (h, w) in train mode, got '
                                 f'{crop_size!r}')
            if not isinstance(ratios, (list, tuple)):
                raise ValueError(f'RandomCenterCropPad.ratios must be a list of scales, got {ratios!r}')
            if test_pad_mode is not None:
                raise ValueError('RandomCenterCropPad.test_pad_mode must be None in train mode')
        if mean is None or std is None or to_rgb is None:
            raise ValueError('RandomCenterCropPad needs mean, std and to_rgb (those of Normalize)')
        self.crop_size, self.ratios, self.border = crop_size, ratios, border
        self.input_mean, self.input_std, self.to_rgb = mean, std, to_rgb
        self.mean, self.std = (mean[::-1], std[::-1]) if to_rgb else (mean, std)
        self.test_mode, self.test_pad_mode, self.test_pad_add_pix = test_mode, test_pad_mode, test_pad_add_pix
        self.bbox_clip_border = bbox_clip_border

    def _get_border(self, border, size):
        """``border`` halved until twice it fits in ``size`` (CornerNet's rule)."""
        k = 2 * border / size
        return border // pow(2, np.ceil(np.log2(np.ceil(k))) + (k == int(k)))

    def _filter_boxes(self, patch, boxes) -> np.ndarray:
        center = (boxes[:, :2] + boxes[:, 2:]) / 2
        return (center[:, 0] > patch[0]) * (center[:, 1] > patch[1]) * (center[:, 0] < patch[2]) * (
            center[:, 1] < patch[3])

    def _crop_image_and_paste(self, image, center, size) -> tuple:
        """The ``size`` canvas (mean-filled) with the image part around ``center`` (y, x) pasted at its
        centre; the pasted region (top, bottom, left, right) in the canvas; the cropped region in the image."""
        center_y, center_x = center
        target_h, target_w = size
        img_h, img_w, channels = image.shape
        x0, x1 = max(0, center_x - target_w // 2), min(center_x + target_w // 2, img_w)
        y0, y1 = max(0, center_y - target_h // 2), min(center_y + target_h // 2, img_h)
        patch = np.array((int(x0), int(y0), int(x1), int(y1)))
        left, right, top, bottom = center_x - x0, x1 - center_x, center_y - y0, y1 - center_y
        mid_y, mid_x = target_h // 2, target_w // 2
        canvas = np.zeros((target_h, target_w, channels), dtype=image.dtype)
        canvas += np.asarray(self.mean, dtype=image.dtype)[:channels]
        canvas[mid_y - top:mid_y + bottom, mid_x - left:mid_x + right, :] = image[y0:y1, x0:x1, :]
        border = np.array([mid_y - top, mid_y + bottom, mid_x - left, mid_x + right], dtype=np.float32)
        return canvas, border, patch

    def _crop_boxes(self, results: dict, patch, center, new_size) -> None:
        new_h, new_w = new_size
        x0, y0 = patch[:2]
        shift_x = new_w // 2 - (center[1] - x0) - x0
        shift_y = new_h // 2 - (center[0] - y0) - y0
        for key in results.get('bbox_fields', []):
            inside = self._filter_boxes(patch, results[key])
            bboxes = results[key][inside]
            bboxes[:, 0:4:2] += shift_x
            bboxes[:, 1:4:2] += shift_y
            if self.bbox_clip_border:
                bboxes[:, 0:4:2] = np.clip(bboxes[:, 0:4:2], 0, new_w)
                bboxes[:, 1:4:2] = np.clip(bboxes[:, 1:4:2], 0, new_h)
            keep = (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1])
            results[key] = bboxes[keep]
            if key == 'gt_bboxes' and 'gt_labels' in results:
                results['gt_labels'] = results['gt_labels'][inside][keep]

    def _train_aug(self, results: dict) -> dict:
        img = results['img']
        h, w, _ = img.shape
        boxes = results['gt_bboxes']
        for _ in range(_MAX_SCALE_ROUNDS):
            scale = random.choice(self.ratios)
            new_h, new_w = int(self.crop_size[0] * scale), int(self.crop_size[1] * scale)
            h_border, w_border = self._get_border(self.border, h), self._get_border(self.border, w)
            for _ in range(50):
                center_x = random.randint(low=w_border, high=w - w_border)
                center_y = random.randint(low=h_border, high=h - h_border)
                cropped, _, patch = self._crop_image_and_paste(img, [center_y, center_x], [new_h, new_w])
                if len(boxes) > 0 and not self._filter_boxes(patch, boxes).any():
                    continue
                results['img'] = cropped
                results['img_shape'] = results['pad_shape'] = cropped.shape
                self._crop_boxes(results, patch, (center_y, center_x), (new_h, new_w))
                return results
        raise RuntimeError(f'RandomCenterCropPad: no crop of {results.get("filename", "the image")} kept a box '
                           f'centre in {_MAX_SCALE_ROUNDS * 50} draws; check its boxes and border={self.border}')

    def _test_aug(self, results: dict) -> dict:
        img = results['img']
        h, w, _ = img.shape
        results['img_shape'] = img.shape
        mode, value = self.test_pad_mode[0], self.test_pad_mode[1]
        if mode == 'logical_or':
            target_h, target_w = (h | value) + self.test_pad_add_pix, (w | value) + self.test_pad_add_pix
        else:
            target_h, target_w = int(np.ceil(h / value)) * value, int(np.ceil(w / value)) * value
        cropped, border, _ = self._crop_image_and_paste(img, [h // 2, w // 2], [target_h, target_w])
        results['img'] = cropped
        results['pad_shape'] = cropped.shape
        results['border'] = border
        return results

    def __call__(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.float32:
            raise TypeError('RandomCenterCropPad needs a float32 image: set to_float32=True in LoadImageFromFile')
        if img.shape[2] != len(self.mean):
            raise ValueError(f'RandomCenterCropPad: the image has {img.shape[2]} channels, mean has {len(self.mean)}')
        if results.get('gt_masks') is not None or results.get('seg_fields'):
            raise NotImplementedError('RandomCenterCropPad crops boxes only (no masks or segmentation maps)')
        return self._test_aug(results) if self.test_mode else self._train_aug(results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, ratios={self.ratios}, border={self.border}, '
                f'mean={self.input_mean}, std={self.input_std}, to_rgb={self.to_rgb}, test_mode={self.test_mode}, '
                f'test_pad_mode={self.test_pad_mode}, bbox_clip_border={self.bbox_clip_border})')
