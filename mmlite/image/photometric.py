"""Normalisation and value operations on NumPy images (``mmcv.image.photometric``), without OpenCV."""
from __future__ import annotations

import numpy as np
import torch

from .adjust import (adjust_brightness, adjust_color, adjust_contrast, adjust_hue, adjust_lighting,  # noqa: F401
                     adjust_sharpness, auto_contrast, clahe, imequalize, lut_transform)
from .colorspace import bgr2gray, gray2bgr  # noqa: F401 (mmcv.image.photometric imported them)


def imnormalize(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """``(img - mean) / std`` in float32, converting BGR to RGB first when ``to_rgb``.

    For a uint8 ``H x W x C`` image the result is stored channel-first (not C-contiguous; the
    values are the same): see docs/compat.md, item 27.
    """
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[-1] == np.size(mean) == np.size(std):
        return _imnormalize_uint8(img, mean, std, to_rgb)
    img = img.astype(np.float32)
    return imnormalize_(img, mean, std, to_rgb)


def _imnormalize_uint8(img: np.ndarray, mean, std, to_rgb: bool) -> np.ndarray:
    """The same float32 arithmetic as :func:`imnormalize_`, one contiguous channel plane at a time.

    The result is an ``H x W x C`` array stored channel-first (a transposed view of ``C x H x W``
    planes): writing planes is about 4x faster than interleaved channels, and the ``C x H x W``
    tensor that ``DefaultFormatBundle`` makes is then a free view instead of a copy.
    """
    channels = img.shape[-1]
    mean32 = np.asarray(mean, dtype=np.float64).reshape(-1).astype(np.float32)
    stdinv32 = (1 / np.asarray(std, dtype=np.float64).reshape(-1)).astype(np.float32)
    source = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
    planes = torch.empty((channels, ) + img.shape[:2], dtype=torch.float32)
    for c in range(channels):  # float32 scalars: bit-identical to the array arithmetic
        torch.sub(source[channels - 1 - c if to_rgb else c], float(mean32[c]), out=planes[c])
        planes[c].mul_(float(stdinv32[c]))
    return planes.numpy().transpose(1, 2, 0)


def imnormalize_(img: np.ndarray, mean, std, to_rgb: bool = True) -> np.ndarray:
    """In-place version of :func:`imnormalize` (``img`` must be float32)."""
    mean = np.asarray(mean, dtype=np.float64).reshape(1, -1)
    stdinv = 1 / np.asarray(std, dtype=np.float64).reshape(1, -1)
    if to_rgb:
        img[...] = img[..., ::-1]
    img -= mean.astype(np.float32)
    img *= stdinv.astype(np.float32)
    return img


def imdenormalize(img: np.ndarray, mean, std, to_bgr: bool = True) -> np.ndarray:
    """Undo :func:`imnormalize`."""
    img = img * np.asarray(std, dtype=np.float32).reshape(1, -1) + np.asarray(mean, dtype=np.float32).reshape(1, -1)
    return img[..., ::-1].copy() if to_bgr else img


def iminvert(img: np.ndarray) -> np.ndarray:
    """``255 - img``."""
    return np.full_like(img, 255) - img


def posterize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` highest bits of each uint8 value."""
    shift = 8 - bits
    return np.left_shift(np.right_shift(img, shift), shift)


def solarize(img: np.ndarray, thr: int = 128) -> np.ndarray:
    """Invert the values at or above ``thr``."""
    return np.where(img < thr, img, 255 - img)
