"""``MultiScaleFlipAug``: test-time augmentation over scales and flips."""
from __future__ import annotations

import warnings

from ...utils import is_list_of
from ..registry import PIPELINES
from .compose import Compose


@PIPELINES.register_module()
class MultiScaleFlipAug:
    """Run ``transforms`` once per scale (or scale factor) and flip choice; returns a dict of lists.

    Args:
        transforms: The inner pipeline (typically Resize, RandomFlip, Normalize, Pad,
            ImageToTensor, Collect).
        img_scale: One ``(w, h)`` tuple or a list. Exclusive with ``scale_factor``.
        scale_factor: One float or a list.
        flip: Also run flipped. Defaults to False.
        flip_direction: 'horizontal', 'vertical', 'diagonal' or a list.
    """

    def __init__(self, transforms: list, img_scale=None, scale_factor=None, flip: bool = False,
                 flip_direction='horizontal'):
        self.transforms = Compose(transforms)
        if (img_scale is None) == (scale_factor is None):
            raise ValueError('MultiScaleFlipAug: set exactly one of img_scale and scale_factor')
        if img_scale is not None:
            self.img_scale = img_scale if isinstance(img_scale, list) else [img_scale]
            self.scale_key = 'scale'
            if not is_list_of(self.img_scale, tuple):
                raise TypeError(f'MultiScaleFlipAug.img_scale must be tuples, got {img_scale!r}')
        else:
            self.img_scale = scale_factor if isinstance(scale_factor, list) else [scale_factor]
            self.scale_key = 'scale_factor'
        self.flip = flip
        self.flip_direction = flip_direction if isinstance(flip_direction, list) else [flip_direction]
        if not self.flip and self.flip_direction != ['horizontal']:
            warnings.warn('flip_direction has no effect when flip is set to False')
        if self.flip and not any(getattr(t, '__class__', type(t)).__name__ == 'RandomFlip'
                                 for t in self.transforms.transforms):
            warnings.warn('flip has no effect when RandomFlip is not in transforms')

    def __call__(self, results: dict) -> dict:
        flip_args = [(False, None)] + ([(True, d) for d in self.flip_direction] if self.flip else [])
        aug_data = []
        for scale in self.img_scale:
            for flip, direction in flip_args:
                _results = results.copy()
                _results[self.scale_key] = scale
                _results['flip'] = flip
                _results['flip_direction'] = direction
                aug_data.append(self.transforms(_results))
        return {key: [data[key] for data in aug_data] for key in aug_data[0]}

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(transforms={self.transforms}, img_scale={self.img_scale}, '
                f'flip={self.flip}, flip_direction={self.flip_direction})')
