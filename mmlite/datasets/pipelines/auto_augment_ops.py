"""mmdet 2.x's AutoAugment operations: ``Shear``, ``Rotate``, ``Translate`` (image, boxes, masks and
segmentation maps) and the colour operations ``ColorTransform``, ``EqualizeTransform``,
``BrightnessTransform``, ``ContrastTransform``. ``level`` (0-10) sets the strength; each draws from
NumPy's global generator in mmdet's order (apply?, then the sign)."""
from __future__ import annotations

import numpy as np

from ...image import adjust_brightness, adjust_color, adjust_contrast, imequalize, imrotate, imshear, imtranslate
from ...image.warp import axis_matrix, rotation_matrix, warped_box_bounds
from ..registry import PIPELINES

_MAX_LEVEL = 10


def level_to_value(level: float, max_value: float) -> float:
    """``level`` (0-10) as a fraction of ``max_value``."""
    return (level / _MAX_LEVEL) * max_value


def enhance_level_to_value(level: float, a: float = 1.8, b: float = 0.1) -> float:
    """``level`` (0-10) as an enhancement factor in ``[b, a + b]``."""
    return (level / _MAX_LEVEL) * a + b


def random_negative(value: float, random_negative_prob: float) -> float:
    """``-value`` with probability ``random_negative_prob``."""
    return -value if np.random.rand() < random_negative_prob else value


def bbox2fields() -> tuple[dict, dict, dict]:
    """The label, mask and segmentation keys that go with each box key."""
    bbox2label = {'gt_bboxes': 'gt_labels', 'gt_bboxes_ignore': 'gt_labels_ignore'}
    bbox2mask = {'gt_bboxes': 'gt_masks', 'gt_bboxes_ignore': 'gt_masks_ignore'}
    bbox2seg = {'gt_bboxes': 'gt_semantic_seg'}
    return bbox2label, bbox2mask, bbox2seg


def _check_level_prob(name: str, level, prob) -> None:
    if not isinstance(level, (int, float)) or not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f'{name} level must be a number in [0, {_MAX_LEVEL}], got {level!r}')
    if not 0 <= prob <= 1.0:
        raise ValueError(f'{name} prob must be in [0, 1], got {prob!r}')


def _fill_value(name: str, img_fill_val) -> tuple:
    if isinstance(img_fill_val, (int, float)):
        img_fill_val = (img_fill_val, ) * 3
    if not isinstance(img_fill_val, tuple) or len(img_fill_val) != 3:
        raise ValueError(f'{name} img_fill_val must be a number or a tuple of 3 numbers, got {img_fill_val!r}')
    if not all(0 <= value <= 255 for value in img_fill_val):
        raise ValueError(f'{name} img_fill_val values must be in [0, 255], got {img_fill_val!r}')
    return tuple(float(value) for value in img_fill_val)


def _check_direction(name: str, direction: str) -> None:
    if direction not in ('horizontal', 'vertical'):
        raise ValueError(f"{name} direction must be 'horizontal' or 'vertical', got {direction!r}")


def _warp_images(results: dict, warp) -> None:
    for key in results.get('img_fields', ['img']):
        img = results[key]
        results[key] = warp(img).astype(img.dtype)
        results['img_shape'] = results[key].shape


def _warp_segs(results: dict, warp) -> None:
    for key in results.get('seg_fields', []):
        results[key] = warp(results[key]).astype(results[key].dtype)


def _warp_box_corners(results: dict, matrix: np.ndarray) -> None:
    """Boxes become the bounds of their four corners mapped by ``matrix``, clipped to the image (each
    upper bound kept at or above its lower bound, as mmdet)."""
    h, w = results['img_shape'][:2]
    for key in results.get('bbox_fields', []):
        bounds = warped_box_bounds(results[key], matrix)
        low = np.clip(bounds[:, :2], 0, [w, h])
        high = np.clip(bounds[:, 2:], low, [w, h])
        results[key] = np.concatenate([low, high], axis=1).astype(results[key].dtype)


def _filter_invalid(results: dict, min_size: float = 0) -> None:
    """Drop boxes no wider or taller than ``min_size``, with their labels and masks."""
    bbox2label, bbox2mask, _ = bbox2fields()
    for key in results.get('bbox_fields', []):
        boxes = results[key]
        keep = np.nonzero((boxes[:, 2] - boxes[:, 0] > min_size) & (boxes[:, 3] - boxes[:, 1] > min_size))[0]
        results[key] = boxes[keep]
        for partner in (bbox2label.get(key), bbox2mask.get(key)):
            if partner in results:
                results[partner] = results[partner][keep]


@PIPELINES.register_module()
class Shear:
    """Shear by ``level / 10 * max_shear_magnitude`` (sign flipped with ``random_negative_prob``),
    applied with probability ``prob``; boxes become the bounds of their sheared corners."""

    def __init__(self, level, img_fill_val=128, seg_ignore_label=255, prob=0.5, direction='horizontal',
                 max_shear_magnitude=0.3, random_negative_prob=0.5, interpolation='bilinear'):
        _check_level_prob('Shear', level, prob)
        _check_direction('Shear', direction)
        if not isinstance(max_shear_magnitude, float) or not 0. <= max_shear_magnitude <= 1.:
            raise ValueError(f'Shear max_shear_magnitude must be a float in [0, 1], got {max_shear_magnitude!r}')
        self.level, self.prob, self.direction = level, prob, direction
        self.img_fill_val = _fill_value('Shear', img_fill_val)
        self.seg_ignore_label = seg_ignore_label
        self.max_shear_magnitude = max_shear_magnitude
        self.magnitude = level_to_value(level, max_shear_magnitude)
        self.random_negative_prob = random_negative_prob
        self.interpolation = interpolation

    def __call__(self, results: dict) -> dict:
        if np.random.rand() > self.prob:
            return results
        magnitude = random_negative(self.magnitude, self.random_negative_prob)
        _warp_images(results, lambda img: imshear(img, magnitude, self.direction, self.img_fill_val,
                                                  self.interpolation))
        _warp_box_corners(results, axis_matrix(magnitude, self.direction, True)[:, :2])
        h, w = results['img_shape'][:2]
        for key in results.get('mask_fields', []):
            results[key] = results[key].shear((h, w), magnitude, self.direction, 0, self.interpolation)
        _warp_segs(results, lambda seg: imshear(seg, magnitude, self.direction, self.seg_ignore_label,
                                                self.interpolation))
        _filter_invalid(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(level={self.level}, img_fill_val={self.img_fill_val}, '
                f'seg_ignore_label={self.seg_ignore_label}, prob={self.prob}, direction={self.direction}, '
                f'max_shear_magnitude={self.max_shear_magnitude}, '
                f'random_negative_prob={self.random_negative_prob}, interpolation={self.interpolation})')


@PIPELINES.register_module()
class Rotate:
    """Rotate by ``level / 10 * max_rotate_angle`` degrees (clockwise; sign flipped with
    ``random_negative_prob``) about ``center`` (default: the image centre), scaled by ``scale``."""

    def __init__(self, level, scale=1, center=None, img_fill_val=128, seg_ignore_label=255, prob=0.5,
                 max_rotate_angle=30, random_negative_prob=0.5):
        _check_level_prob('Rotate', level, prob)
        if not isinstance(scale, (int, float)) or not isinstance(max_rotate_angle, (int, float)):
            raise TypeError(f'Rotate scale and max_rotate_angle must be numbers, got {scale!r}, {max_rotate_angle!r}')
        if isinstance(center, (int, float)):
            center = (center, center)
        if center is not None and (not isinstance(center, tuple) or len(center) != 2):
            raise ValueError(f'Rotate center must be None, a number or an (x, y) tuple, got {center!r}')
        self.level, self.scale, self.center, self.prob = level, scale, center, prob
        self.img_fill_val = _fill_value('Rotate', img_fill_val)
        self.seg_ignore_label = seg_ignore_label
        self.max_rotate_angle = max_rotate_angle
        self.angle = level_to_value(level, max_rotate_angle)
        self.random_negative_prob = random_negative_prob

    def __call__(self, results: dict) -> dict:
        if np.random.rand() > self.prob:
            return results
        h, w = results['img'].shape[:2]
        center = ((w - 1) * 0.5, (h - 1) * 0.5) if self.center is None else self.center
        angle = random_negative(self.angle, self.random_negative_prob)
        _warp_images(results, lambda img: imrotate(img, angle, center, self.scale, self.img_fill_val))
        _warp_box_corners(results, rotation_matrix(center, -angle, self.scale))
        h, w = results['img_shape'][:2]
        for key in results.get('mask_fields', []):
            results[key] = results[key].rotate((h, w), angle, center, self.scale, 0)
        _warp_segs(results, lambda seg: imrotate(seg, angle, center, self.scale, self.seg_ignore_label))
        _filter_invalid(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(level={self.level}, scale={self.scale}, center={self.center}, '
                f'img_fill_val={self.img_fill_val}, seg_ignore_label={self.seg_ignore_label}, prob={self.prob}, '
                f'max_rotate_angle={self.max_rotate_angle}, random_negative_prob={self.random_negative_prob})')


@PIPELINES.register_module()
class Translate:
    """Shift by ``int(level / 10 * max_translate_offset)`` pixels (sign flipped with
    ``random_negative_prob``); boxes narrower or shorter than ``min_size`` afterwards are dropped."""

    def __init__(self, level, prob=0.5, img_fill_val=128, seg_ignore_label=255, direction='horizontal',
                 max_translate_offset=250., random_negative_prob=0.5, min_size=0):
        _check_level_prob('Translate', level, prob)
        _check_direction('Translate', direction)
        if not isinstance(max_translate_offset, (int, float)):
            raise TypeError(f'Translate max_translate_offset must be a number, got {max_translate_offset!r}')
        self.level, self.prob, self.direction = level, prob, direction
        self.img_fill_val = _fill_value('Translate', img_fill_val)
        self.seg_ignore_label = seg_ignore_label
        self.max_translate_offset = max_translate_offset
        self.offset = int(level_to_value(level, max_translate_offset))
        self.random_negative_prob = random_negative_prob
        self.min_size = min_size

    def _translate_boxes(self, results: dict, offset: int) -> None:
        h, w = results['img_shape'][:2]
        axis, limit = (0, w) if self.direction == 'horizontal' else (1, h)
        for key in results.get('bbox_fields', []):
            boxes = results[key].copy()
            boxes[:, axis] = np.maximum(0, boxes[:, axis] + offset)
            boxes[:, axis + 2] = np.minimum(limit, boxes[:, axis + 2] + offset)
            results[key] = boxes

    def __call__(self, results: dict) -> dict:
        if np.random.rand() > self.prob:
            return results
        offset = random_negative(self.offset, self.random_negative_prob)
        _warp_images(results, lambda img: imtranslate(img, offset, self.direction, self.img_fill_val))
        self._translate_boxes(results, offset)
        h, w = results['img_shape'][:2]
        for key in results.get('mask_fields', []):
            results[key] = results[key].translate((h, w), offset, self.direction)
        _warp_segs(results, lambda seg: imtranslate(seg, offset, self.direction, self.seg_ignore_label))
        _filter_invalid(results, self.min_size)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(level={self.level}, prob={self.prob}, '
                f'img_fill_val={self.img_fill_val}, seg_ignore_label={self.seg_ignore_label}, '
                f'direction={self.direction}, max_translate_offset={self.max_translate_offset}, '
                f'random_negative_prob={self.random_negative_prob}, min_size={self.min_size})')


class _ImageOperation:
    """Applies ``operation(img, factor)`` to every image with probability ``prob``."""

    operation = staticmethod(lambda img, factor: img)

    def __init__(self, level, prob=0.5):
        _check_level_prob(type(self).__name__, level, prob)
        self.level, self.prob = level, prob
        self.factor = enhance_level_to_value(level)

    def __call__(self, results: dict) -> dict:
        if np.random.rand() > self.prob:
            return results
        for key in results.get('img_fields', ['img']):
            results[key] = self.operation(results[key], self.factor).astype(results[key].dtype)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(level={self.level}, prob={self.prob})'


@PIPELINES.register_module()
class ColorTransform(_ImageOperation):
    """Colour saturation by ``enhance_level_to_value(level)`` (``adjust_color``)."""
    operation = staticmethod(adjust_color)


@PIPELINES.register_module()
class BrightnessTransform(_ImageOperation):
    """Brightness by ``enhance_level_to_value(level)`` (``adjust_brightness``)."""
    operation = staticmethod(adjust_brightness)


@PIPELINES.register_module()
class ContrastTransform(_ImageOperation):
    """Contrast by ``enhance_level_to_value(level)`` (``adjust_contrast``)."""
    operation = staticmethod(adjust_contrast)


@PIPELINES.register_module()
class EqualizeTransform(_ImageOperation):
    """Histogram equalisation (``imequalize``) with probability ``prob``."""
    operation = staticmethod(lambda img, factor: imequalize(img))

    def __init__(self, prob=0.5):
        super().__init__(0, prob)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'
