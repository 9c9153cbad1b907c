"""Geometric and normalising transforms with mmdet 2.x names, arguments and result keys.

Random choices use NumPy's global generator, as in mmdet, so seeding works the same way.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ...image import imflip, imnormalize, impad, impad_to_multiple, imrescale, imresize
from ...utils import is_list_of
from ...utils.errors import ReadableKeyError
from ..registry import PIPELINES
from .augmentations import Expand, MinIoURandomCrop, PhotoMetricDistortion, RandomCrop  # noqa: F401
from .center_crop_pad import RandomCenterCropPad  # noqa: F401
from .copy_paste import CopyPaste  # noqa: F401
from .instance_filtering import CutOut, RandomShift  # noqa: F401
from .mix_transforms import MixUp, Mosaic  # noqa: F401
from .random_affine import RandomAffine, YOLOXHSVRandomAug  # noqa: F401


@PIPELINES.register_module()
class Resize:
    """Resize images, boxes, masks and segmentation maps.

    ``img_scale`` is one ``(w, h)``-style scale or several: with several, ``multiscale_mode='range'``
    samples long and short edges between them and ``'value'`` picks one; ``ratio_range`` instead
    scales the single ``img_scale`` by a random ratio. With ``keep_ratio`` the image is fitted into
    the scale's long/short edges. A ``scale`` (or float ``scale_factor``) already in the results
    (set by MultiScaleFlipAug) wins unless ``override``.

    Args:
        img_scale: A tuple or list of tuples. Defaults to None.
        multiscale_mode: 'range' or 'value'. Defaults to 'range'.
        ratio_range: ``(min, max)`` ratio. Defaults to None.
        keep_ratio: Keep the aspect ratio. Defaults to True.
        bbox_clip_border: Clip boxes to the image. Defaults to True.
        backend: Accepted for mmdet compatibility ('cv2'/'pillow'); PyTorch does the work.
        interpolation: 'bilinear' (default), 'nearest', 'bicubic' or 'area'.
        override: Resample even if a scale is already set. Defaults to False.
    """

    def __init__(self, img_scale=None, multiscale_mode: str = 'range', ratio_range=None,
                 keep_ratio: bool = True, bbox_clip_border: bool = True, backend: str = 'cv2',
                 interpolation: str = 'bilinear', override: bool = False):
        if img_scale is None:
            self.img_scale = None
        else:
            self.img_scale = img_scale if isinstance(img_scale, list) else [img_scale]
            if not is_list_of(self.img_scale, tuple):
                raise TypeError(f'Resize.img_scale must be a tuple or a list of tuples, got {img_scale!r}')
        if ratio_range is not None:
            if self.img_scale is None or len(self.img_scale) != 1:
                raise ValueError('Resize: ratio_range needs exactly one img_scale')
        elif multiscale_mode not in ('value', 'range'):
            raise ValueError(f"Resize.multiscale_mode must be 'value' or 'range', got {multiscale_mode!r}")
        self.multiscale_mode, self.ratio_range, self.keep_ratio = multiscale_mode, ratio_range, keep_ratio
        self.backend, self.interpolation, self.override = backend, interpolation, override
        self.bbox_clip_border = bbox_clip_border

    @staticmethod
    def random_select(img_scales: list) -> tuple:
        idx = np.random.randint(len(img_scales))
        return img_scales[idx], idx

    @staticmethod
    def random_sample(img_scales: list) -> tuple:
        if not (is_list_of(img_scales, tuple) and len(img_scales) == 2):
            raise ValueError('multiscale_mode="range" needs exactly two img_scale tuples')
        longs, shorts = [max(s) for s in img_scales], [min(s) for s in img_scales]
        long_edge = np.random.randint(min(longs), max(longs) + 1)
        short_edge = np.random.randint(min(shorts), max(shorts) + 1)
        return (long_edge, short_edge), None

    @staticmethod
    def random_sample_ratio(img_scale: tuple, ratio_range: tuple) -> tuple:
        min_ratio, max_ratio = ratio_range
        if min_ratio > max_ratio:
            raise ValueError(f'ratio_range {ratio_range} must be (min, max)')
        ratio = np.random.random_sample() * (max_ratio - min_ratio) + min_ratio
        return (int(img_scale[0] * ratio), int(img_scale[1] * ratio)), None

    def _random_scale(self, results: dict) -> None:
        if self.img_scale is None:
            raise ReadableKeyError('Resize has no img_scale and the results carry no "scale"/"scale_factor"')
        if self.ratio_range is not None:
            scale, idx = self.random_sample_ratio(self.img_scale[0], self.ratio_range)
        elif len(self.img_scale) == 1:
            scale, idx = self.img_scale[0], 0
        elif self.multiscale_mode == 'range':
            scale, idx = self.random_sample(self.img_scale)
        else:
            scale, idx = self.random_select(self.img_scale)
        results['scale'], results['scale_idx'] = scale, idx

    def _resize_img(self, results: dict) -> None:
        for key in results.get('img_fields', ['img']):
            h, w = results[key].shape[:2]
            if self.keep_ratio:
                img = imrescale(results[key], results['scale'], interpolation=self.interpolation)
                new_h, new_w = img.shape[:2]
                w_scale, h_scale = new_w / w, new_h / h
            else:
                img, w_scale, h_scale = imresize(results[key], results['scale'], return_scale=True,
                                                 interpolation=self.interpolation)
            results[key] = img
            results['img_shape'] = img.shape
            results['pad_shape'] = img.shape  # in case there is no padding
            results['scale_factor'] = np.array([w_scale, h_scale, w_scale, h_scale], dtype=np.float32)
            results['keep_ratio'] = self.keep_ratio

    def _resize_bboxes(self, results: dict) -> None:
        for key in results.get('bbox_fields', []):
            bboxes = results[key] * results['scale_factor']
            if self.bbox_clip_border:
                h, w = results['img_shape'][:2]
                bboxes[:, 0::2] = np.clip(bboxes[:, 0::2], 0, w)
                bboxes[:, 1::2] = np.clip(bboxes[:, 1::2], 0, h)
            results[key] = bboxes

    def _resize_masks(self, results: dict) -> None:
        for key in results.get('mask_fields', []):
            if results[key] is None:
                continue
            if self.keep_ratio:
                results[key] = results[key].rescale(results['scale'])
            else:
                results[key] = results[key].resize(results['img_shape'][:2])

    def _resize_seg(self, results: dict) -> None:
        for key in results.get('seg_fields', []):
            if self.keep_ratio:
                results[key] = imrescale(results[key], results['scale'], interpolation='nearest')
            else:
                results[key] = imresize(results[key], results['scale'], interpolation='nearest')

    def __call__(self, results: dict) -> dict:
        if 'scale' not in results:
            if 'scale_factor' in results:
                factor = results['scale_factor']
                if not isinstance(factor, float):
                    raise TypeError(f'Resize: scale_factor in the results must be a float, got {factor!r}')
                results['scale'] = tuple(int(x * factor) for x in results['img'].shape[:2])[::-1]
            else:
                self._random_scale(results)
        elif self.override:
            results.pop('scale')
            results.pop('scale_factor', None)
            self._random_scale(results)
        elif 'scale_factor' in results:
            raise ReadableKeyError('scale and scale_factor cannot be both set.')
        self._resize_img(results)
        self._resize_bboxes(results)
        self._resize_masks(results)
        self._resize_seg(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(img_scale={self.img_scale}, multiscale_mode='
                f'{self.multiscale_mode}, ratio_range={self.ratio_range}, keep_ratio={self.keep_ratio}, '
                f'bbox_clip_border={self.bbox_clip_border})')


_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')


@PIPELINES.register_module()
class RandomFlip:
    """Flip images, boxes, masks and segmentation maps with probability ``flip_ratio``.

    Args:
        flip_ratio: A float, or a list (one per direction). Defaults to None (flip decided by a
            preceding step, e.g. MultiScaleFlipAug).
        direction: 'horizontal', 'vertical', 'diagonal', or a list of them.
    """

    def __init__(self, flip_ratio=None, direction='horizontal'):
        if isinstance(flip_ratio, list):
            if not (is_list_of(flip_ratio, float) and 0 <= sum(flip_ratio) <= 1):
                raise ValueError(f'RandomFlip.flip_ratio list must hold floats summing to <= 1, got {flip_ratio}')
        elif isinstance(flip_ratio, float):
            if not 0 <= flip_ratio <= 1:
                raise ValueError(f'RandomFlip.flip_ratio must be in [0, 1], got {flip_ratio}')
        elif flip_ratio is not None:
            raise ValueError('flip_ratios must be None, float, or list of float')
        directions = [direction] if isinstance(direction, str) else direction
        if not isinstance(directions, list) or not set(directions) <= set(_DIRECTIONS):
            raise ValueError(f'RandomFlip.direction must be one of {_DIRECTIONS} or a list of them, '
                             f'got {direction!r}')
        if isinstance(flip_ratio, list) and len(flip_ratio) != len(directions):
            raise ValueError('RandomFlip: flip_ratio and direction lists must have the same length')
        self.flip_ratio, self.direction = flip_ratio, direction

    @staticmethod
    def bbox_flip(bboxes: np.ndarray, img_shape: tuple, direction: str) -> np.ndarray:
        """Flip ``(..., 4k)`` boxes within an image of ``img_shape``."""
        if bboxes.shape[-1] % 4 != 0:
            raise ValueError(f'boxes must have 4k columns, got shape {bboxes.shape}')
        h, w = img_shape[:2]
        flipped = bboxes.copy()
        if direction in ('horizontal', 'diagonal'):
            flipped[..., 0::4] = w - bboxes[..., 2::4]
            flipped[..., 2::4] = w - bboxes[..., 0::4]
        if direction in ('vertical', 'diagonal'):
            flipped[..., 1::4] = h - bboxes[..., 3::4]
            flipped[..., 3::4] = h - bboxes[..., 1::4]
        if direction not in _DIRECTIONS:
            raise ValueError(f"Invalid flipping direction '{direction}'")
        return flipped

    def _choose(self) -> str | None:
        choices = (self.direction if isinstance(self.direction, list) else [self.direction]) + [None]
        if isinstance(self.flip_ratio, list):
            probs = self.flip_ratio + [1 - sum(self.flip_ratio)]
        else:
            if self.flip_ratio is None:
                raise ValueError('RandomFlip needs flip_ratio unless a previous step decides "flip"')
            single = self.flip_ratio / (len(choices) - 1)
            probs = [single] * (len(choices) - 1) + [1 - self.flip_ratio]
        return choices[np.random.choice(len(choices), p=probs)]

    def __call__(self, results: dict) -> dict:
        if 'flip' not in results:
            cur_dir = self._choose()
            results['flip'] = cur_dir is not None
            results.setdefault('flip_direction', cur_dir)
        elif 'flip_direction' not in results:
            results['flip_direction'] = self.direction if isinstance(self.direction, str) else None
        if results['flip']:
            direction = results['flip_direction']
            for key in results.get('img_fields', ['img']):
                results[key] = imflip(results[key], direction=direction)
            for key in results.get('bbox_fields', []):
                results[key] = self.bbox_flip(results[key], results['img_shape'], direction)
            for key in results.get('mask_fields', []):
                results[key] = results[key].flip(direction)
            for key in results.get('seg_fields', []):
                results[key] = imflip(results[key], direction=direction)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(flip_ratio={self.flip_ratio})'


@PIPELINES.register_module()
class Pad:
    """Pad images (bottom/right) to ``size`` or to a multiple of ``size_divisor``; masks and
    segmentation maps follow.

    Args:
        size: Fixed ``(h, w)``. Defaults to None.
        size_divisor: Pad each side to a multiple. Defaults to None.
        pad_to_square: Pad to the longer side. Defaults to False.
        pad_val: A number (deprecated) or ``dict(img=0, masks=0, seg=255)``.
    """

    def __init__(self, size: tuple | None = None, size_divisor: int | None = None,
                 pad_to_square: bool = False, pad_val=dict(img=0, masks=0, seg=255)):  # noqa: B006
        if isinstance(pad_val, (float, int)):
            warnings.warn('pad_val of float type is deprecated now, please use pad_val=dict(img=pad_val, '
                          'masks=pad_val, seg=255) instead.', DeprecationWarning)
            pad_val = dict(img=pad_val, masks=pad_val, seg=255)
        if not isinstance(pad_val, dict):
            raise TypeError(f'Pad.pad_val must be a number or a dict, got {pad_val!r}')
        if pad_to_square:
            if size is not None or size_divisor is not None:
                raise ValueError('Pad: pad_to_square excludes size and size_divisor')
        elif (size is None) == (size_divisor is None):
            raise ValueError('Pad: set exactly one of size and size_divisor')
        self.size, self.size_divisor, self.pad_to_square, self.pad_val = size, size_divisor, pad_to_square, pad_val

    def _pad_img(self, results: dict) -> None:
        pad_val = self.pad_val.get('img', 0)
        size = self.size
        for key in results.get('img_fields', ['img']):
            if self.pad_to_square:
                side = max(results[key].shape[:2])
                size = (side, side)
            if size is not None:
                padded = impad(results[key], shape=size, pad_val=pad_val)
            else:
                padded = impad_to_multiple(results[key], self.size_divisor, pad_val=pad_val)
            results[key] = padded
        results['pad_shape'] = padded.shape
        results['pad_fixed_size'] = size
        results['pad_size_divisor'] = self.size_divisor

    def __call__(self, results: dict) -> dict:
        self._pad_img(results)
        pad_shape = results['pad_shape'][:2]
        for key in results.get('mask_fields', []):
            results[key] = results[key].pad(pad_shape, pad_val=self.pad_val.get('masks', 0))
        for key in results.get('seg_fields', []):
            results[key] = impad(results[key], shape=pad_shape, pad_val=self.pad_val.get('seg', 255))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, size_divisor={self.size_divisor}, '
                f'pad_to_square={self.pad_to_square}, pad_val={self.pad_val})')


@PIPELINES.register_module()
class Normalize:
    """``(img - mean) / std`` in float32 (BGR → RGB first when ``to_rgb``); records ``img_norm_cfg``."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], to_rgb: bool = True):
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        self.to_rgb = to_rgb

    def __call__(self, results: dict) -> dict:
        for key in results.get('img_fields', ['img']):
            results[key] = imnormalize(results[key], self.mean, self.std, self.to_rgb)
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std, to_rgb=self.to_rgb)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(mean={self.mean}, std={self.std}, to_rgb={self.to_rgb})'


@PIPELINES.register_module()
class SegRescale:
    """Rescale the segmentation maps (``seg_fields``) by ``scale_factor`` with nearest-neighbour sampling,
    e.g. ``1 / 8`` to the resolution HTC's semantic head predicts at.

    Args:
        scale_factor: Factor for both sides (new side ``int(side * scale_factor + 0.5)``).
        backend: Accepted for mmdet configs ('cv2' or 'pillow'); resizing runs on PyTorch either way.
    """

    def __init__(self, scale_factor: float = 1, backend: str = 'cv2'):
        if backend not in ('cv2', 'pillow'):
            raise ValueError(f"SegRescale: backend must be 'cv2' or 'pillow', got {backend!r}")
        self.scale_factor = scale_factor
        self.backend = backend

    def __call__(self, results: dict) -> dict:
        if self.scale_factor != 1:
            for key in results.get('seg_fields', []):
                results[key] = imrescale(results[key], self.scale_factor, interpolation='nearest')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(scale_factor={self.scale_factor})'
