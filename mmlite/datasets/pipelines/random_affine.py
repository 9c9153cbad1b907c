"""``RandomAffine`` (random rotation, scale, shear and translation of image and boxes) and YOLOX's
``YOLOXHSVRandomAug``; random draws use NumPy's global generator, as mmdet."""
from __future__ import annotations

import math

import numpy as np

from ...image.colorspace import bgr_to_hsv_uint8, hsv_to_bgr_uint8
from ...image.warp import warp_perspective, warped_box_bounds
from ..registry import PIPELINES
from .mix_transforms import box_candidates, find_inside_bboxes


@PIPELINES.register_module()
class RandomAffine:
    """Warp by translation @ shear @ rotation @ scale, each drawn uniformly (degrees within
    ``max_rotate_degree``/``max_shear_degree``, scale in ``scaling_ratio_range``, shift within
    ``max_translate_ratio`` of the output size), into an output grown by ``2 * border`` (h, w; negative
    shrinks). Boxes become the bounds of their warped corners, clipped with ``bbox_clip_border``; boxes
    outside are dropped, and with ``skip_filter=False`` also those too small, too thin or shrunk below
    ``min_area_ratio``. Masks are not supported."""

    def __init__(self, max_rotate_degree: float = 10.0, max_translate_ratio: float = 0.1,
                 scaling_ratio_range=(0.5, 1.5), max_shear_degree: float = 2.0, border=(0, 0),
                 border_val=(114, 114, 114), min_bbox_size: float = 2, min_area_ratio: float = 0.2,
                 max_aspect_ratio: float = 20, bbox_clip_border: bool = True, skip_filter: bool = True):
        if not 0 <= max_translate_ratio <= 1:
            raise ValueError(f'RandomAffine max_translate_ratio must be in [0, 1], got {max_translate_ratio}')
        if not 0 < scaling_ratio_range[0] <= scaling_ratio_range[1]:
            raise ValueError(f'RandomAffine scaling_ratio_range must be (low, high), 0 < low <= high, '
                             f'got {scaling_ratio_range}')
        self.max_rotate_degree, self.max_translate_ratio = max_rotate_degree, max_translate_ratio
        self.scaling_ratio_range, self.max_shear_degree = scaling_ratio_range, max_shear_degree
        self.border, self.border_val, self.min_bbox_size = border, border_val, min_bbox_size
        self.min_area_ratio, self.max_aspect_ratio = min_area_ratio, max_aspect_ratio
        self.bbox_clip_border, self.skip_filter = bbox_clip_border, skip_filter

    def _random_matrix(self, width: int, height: int) -> tuple:
        rotation = np.random.uniform(-self.max_rotate_degree, self.max_rotate_degree)
        scale = np.random.uniform(self.scaling_ratio_range[0], self.scaling_ratio_range[1])
        shear_x = math.radians(np.random.uniform(-self.max_shear_degree, self.max_shear_degree))
        shear_y = math.radians(np.random.uniform(-self.max_shear_degree, self.max_shear_degree))
        trans_x = np.random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * width
        trans_y = np.random.uniform(-self.max_translate_ratio, self.max_translate_ratio) * height
        radian = math.radians(rotation)
        matrices = (np.array([[1, 0., trans_x], [0., 1, trans_y], [0., 0., 1.]], dtype=np.float32),
                    np.array([[1, np.tan(shear_x), 0.], [np.tan(shear_y), 1, 0.], [0., 0., 1.]], dtype=np.float32),
                    np.array([[np.cos(radian), -np.sin(radian), 0.], [np.sin(radian), np.cos(radian), 0.],
                              [0., 0., 1.]], dtype=np.float32),
                    np.array([[scale, 0., 0.], [0., scale, 0.], [0., 0., 1.]], dtype=np.float32))
        return matrices[0] @ matrices[1] @ matrices[2] @ matrices[3], scale

    def __call__(self, results: dict) -> dict:
        if 'gt_masks' in results:
            raise NotImplementedError('RandomAffine warps images and boxes only; drop the masks before it')
        img = results['img']
        height, width = img.shape[0] + self.border[0] * 2, img.shape[1] + self.border[1] * 2
        matrix, scale = self._random_matrix(width, height)
        img = warp_perspective(img, matrix, (width, height), border_value=self.border_val)
        results.update(img=img, img_shape=img.shape)
        for key in results.get('bbox_fields', []):
            boxes = results[key]
            if not len(boxes):
                continue
            warped = self._warp_boxes(boxes, matrix, width, height)
            keep = find_inside_bboxes(warped, height, width)
            if not self.skip_filter:
                keep = keep & self.filter_gt_bboxes(boxes * scale, warped)
            results[key] = warped[keep]
            if key == 'gt_bboxes' and 'gt_labels' in results:
                results['gt_labels'] = results['gt_labels'][keep]
        return results

    def _warp_boxes(self, boxes: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
        warped = warped_box_bounds(boxes, matrix)
        if self.bbox_clip_border:
            warped[:, [0, 2]] = warped[:, [0, 2]].clip(0, width)
            warped[:, [1, 3]] = warped[:, [1, 3]].clip(0, height)
        return warped

    def filter_gt_bboxes(self, origin_bboxes: np.ndarray, wrapped_bboxes: np.ndarray) -> np.ndarray:
        """:func:`box_candidates` of the warped boxes against the scaled originals."""
        return box_candidates(origin_bboxes, wrapped_bboxes, self.min_bbox_size, self.min_area_ratio,
                              self.max_aspect_ratio)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_rotate_degree={self.max_rotate_degree}, '
                f'max_translate_ratio={self.max_translate_ratio}, scaling_ratio_range={self.scaling_ratio_range}, '
                f'max_shear_degree={self.max_shear_degree}, border={self.border}, border_val={self.border_val}, '
                f'min_bbox_size={self.min_bbox_size}, min_area_ratio={self.min_area_ratio}, '
                f'max_aspect_ratio={self.max_aspect_ratio}, skip_filter={self.skip_filter})')


@PIPELINES.register_module()
class YOLOXHSVRandomAug:
    """Shift hue, saturation and value by random integers within the deltas (each shift applied with
    probability 1/2), in OpenCV's 8-bit HSV (hue in [0, 180), wrapping; saturation and value clipped to
    [0, 255])."""

    def __init__(self, hue_delta: int = 5, saturation_delta: int = 30, value_delta: int = 30):
        self.hue_delta, self.saturation_delta, self.value_delta = hue_delta, saturation_delta, value_delta

    def __call__(self, results: dict) -> dict:
        img = results['img']
        gains = np.random.uniform(-1, 1, 3) * [self.hue_delta, self.saturation_delta, self.value_delta]
        gains = (gains * np.random.randint(0, 2, 3)).astype(np.int16)
        hsv = bgr_to_hsv_uint8(img.astype(np.uint8)).astype(np.int16)
        hsv[..., 0] = (hsv[..., 0] + gains[0]) % 180
        hsv[..., 1:] = np.clip(hsv[..., 1:] + gains[1:], 0, 255)
        results['img'] = hsv_to_bgr_uint8(hsv.astype(np.uint8)).astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(hue_delta={self.hue_delta}, saturation_delta={self.saturation_delta}, '
                f'value_delta={self.value_delta})')
